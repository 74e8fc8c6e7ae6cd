/**
 * The API over NATS request/reply: components may call the apiserver on
 * `skiff.api.request.<user>.<groups>` (or the anonymous `skiff.api.request`; a
 * queue group, so several apiservers share the load) instead of HTTP. When the
 * responder may trust subjects (the NATS server lets each identity publish only
 * on its own request subject), a request is attributed to the identity its subject
 * names and then authenticated, audited and authorized as an HTTP request is. A request is the HTTP request in headers (`Skiff-Method`,
 * `Skiff-Path` with the query, `Content-Type`, `Accept`, `traceparent`) and the
 * body; the reply carries `Skiff-Status`, `Content-Type` and the body. Both go
 * through the same request chain as HTTP. Watches are not served here:
 * components follow objects through the events stream (the informer).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { API_REQUEST_SUBJECT, identityOfApiRequestSubject } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import { setNatsSender } from '../auth/nats-sender.js';
import { presetRequestBody } from '../http/body.js';
import type { ApiRequestHandler } from '../http/server.js';

/** The subject of anonymous API requests; identified ones go below it. */
export { API_REQUEST_SUBJECT } from '@skiff/api';
/** The queue group apiservers share. */
export const API_QUEUE_GROUP = 'skiff-apiserver';

/** A ServerResponse stand-in that collects the reply; it emits `finish` on end() and `close` on destroy(), as Node's does (audit and max-in-flight see the end). */
class CollectedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  private readonly headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private resolveDone: () => void = () => undefined;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  writeHead(code: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = code;
    for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = String(v);
    this.headersSent = true;
    return this;
  }
  setHeader(name: string, value: string | number): this {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }
  flushHeaders(): void {
    this.headersSent = true;
  }
  write(chunk: string | Buffer): boolean {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return true;
  }
  end(chunk?: string | Buffer): this {
    if (chunk !== undefined) this.write(chunk);
    this.resolveDone();
    this.emit('finish');
    return this;
  }
  destroy(): void {
    this.resolveDone();
    this.emit('close');
  }
  contentType(): string {
    return this.headers['content-type'] ?? 'application/json';
  }
  body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The request headers a NATS request may carry, and their HTTP (lower-case) names. */
const FORWARDED_HEADERS = [
  ['Content-Type', 'content-type'],
  ['Accept', 'accept'],
  ['traceparent', 'traceparent'],
  ['User-Agent', 'user-agent'],
] as const;

/**
 * The IncomingMessage stand-in of a NATS request: method, url, headers, and
 * its whole body preset for readBody (no stream to read it through); an
 * emitter, so `close` listeners may be added, and destroy() emits `close`.
 */
class NatsRequest extends EventEmitter {
  /** Nothing is streamed: the body is preset. */
  readonly readableEnded = true;
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {
    super();
  }
  destroy(): this {
    this.emit('close');
    return this;
  }
}

function fakeRequest(m: Msg): IncomingMessage {
  const h = m.headers;
  const method = h?.get('Skiff-Method') ?? 'GET';
  const url = h?.get('Skiff-Path') ?? '/';
  const headers: Record<string, string> = { 'content-length': String(m.data.length) };
  if (h !== undefined) {
    for (const [name, lower] of FORWARDED_HEADERS) {
      const v = h.get(name);
      if (v !== '') headers[lower] = v;
    }
  }
  const req = new NatsRequest(method, url, headers) as unknown as IncomingMessage;
  // A view of the payload, not a copy: a delivered message's bytes are not reused.
  presetRequestBody(req, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length));
  return req;
}

export interface NatsApiResponderOptions {
  /**
   * Attribute requests to the identity their subject names. Only true when the
   * NATS server authenticates every connection and lets each identity publish
   * only on its own request subject (the configuration `skiff up` generates);
   * otherwise anyone could name anyone, and every request is anonymous.
   */
  trustSubjectIdentity?: boolean;
}

/** Serves API requests arriving over NATS until stop(). */
export class NatsApiResponder {
  private readonly subs: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly handler: ApiRequestHandler,
    private readonly logger: Logger,
    private readonly options: NatsApiResponderOptions = {},
  ) {}

  start(): void {
    for (const subject of [API_REQUEST_SUBJECT, `${API_REQUEST_SUBJECT}.>`]) {
      const sub = this.nc.subscribe(subject, { queue: API_QUEUE_GROUP });
      this.subs.push(sub);
      this.loops.push(
        (async () => {
          for await (const m of sub) void this.serve(m);
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    for (const sub of this.subs) sub.unsubscribe();
    await Promise.all(this.loops);
  }

  private async serve(m: Msg): Promise<void> {
    const reply = natsHeaders();
    try {
      const path = m.headers?.get('Skiff-Path') ?? '';
      if (/[?&]watch=(true|1)(&|$)/.test(path)) {
        reply.set('Skiff-Status', '400');
        reply.set('Content-Type', 'application/json');
        m.respond(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            reason: 'BadRequest',
            code: 400,
            message: 'watches are not served over NATS: follow the events stream',
          }),
          { headers: reply },
        );
        return;
      }
      const res = new CollectedResponse();
      const req = fakeRequest(m);
      const sender = this.options.trustSubjectIdentity === true ? identityOfApiRequestSubject(m.subject) : undefined;
      if (sender !== undefined) setNatsSender(req, sender);
      this.handler(req, res as unknown as ServerResponse);
      await res.done;
      reply.set('Skiff-Status', String(res.statusCode));
      reply.set('Content-Type', res.contentType());
      m.respond(res.body(), { headers: reply });
    } catch (err) {
      this.logger.warn({ err }, 'serving an API request over NATS failed');
    }
  }
}
