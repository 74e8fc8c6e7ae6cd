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
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { API_REQUEST_SUBJECT, identityOfApiRequestSubject, WireHeaders } from '@skiff/api';
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

/** The request headers a NATS request may carry, by their HTTP (lower-case) names. */
const FORWARDED_HEADERS = new Map([
  ['Content-Type', 'content-type'],
  ['Accept', 'accept'],
  ['traceparent', 'traceparent'],
  ['User-Agent', 'user-agent'],
]);

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
  // As `h.get(name)` for each (the first value of an exact key, '' when absent), in one pass over the headers.
  let method = h === undefined ? 'GET' : '';
  let url = h === undefined ? '/' : '';
  const headers: Record<string, string> = { 'content-length': String(m.data.length) };
  if (h !== undefined) {
    for (const [name, values] of h) {
      const v = values[0] ?? '';
      if (name === 'Skiff-Method') method = v;
      else if (name === 'Skiff-Path') url = v;
      else {
        const lower = FORWARDED_HEADERS.get(name);
        if (lower !== undefined && v !== '' && headers[lower] === undefined) headers[lower] = v;
      }
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
    try {
      const req = fakeRequest(m);
      if (/[?&]watch=(true|1)(&|$)/.test(req.url ?? '')) {
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
          { headers: new WireHeaders({ 'Skiff-Status': '400', 'Content-Type': 'application/json' }) },
        );
        return;
      }
      const res = new CollectedResponse();
      const sender = this.options.trustSubjectIdentity === true ? identityOfApiRequestSubject(m.subject) : undefined;
      if (sender !== undefined) setNatsSender(req, sender);
      this.handler(req, res as unknown as ServerResponse);
      await res.done;
      m.respond(res.body(), { headers: new WireHeaders({ 'Skiff-Status': String(res.statusCode), 'Content-Type': res.contentType() }) });
    } catch (err) {
      this.logger.warn({ err }, 'serving an API request over NATS failed');
    }
  }
}
