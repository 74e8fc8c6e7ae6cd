/**
 * Coalesces JetStream publishes issued from different event-loop callbacks
 * into one socket write, and collects their acknowledgements on one reply
 * subscription.
 *
 * The NATS client buffers outgoing protocol commands and flushes them on a
 * microtask, so publishes made in one synchronous run share a write, but each
 * HTTP request is handled in a callback of its own and would otherwise cost a
 * write system call (on loopback the kernel delivers the segment to the
 * server inside that call: a fifth of the apiserver's CPU at 1,000 creates/s).
 * Here a publish is queued and every queued publish is issued in one
 * synchronous run from a `setImmediate`, after the poll phase has read every
 * request that arrived together. (The client also writes inline once 32 KiB
 * are buffered; a connection meant for bulk writes raises that with its
 * `pendingLimit` option.)
 *
 * A publish is a plain `PUB` with a reply subject under this coalescer's own
 * inbox (`<inbox>.<n>`), and one wildcard subscription resolves the waiting
 * promise from its token: the same wire exchange as `JetStreamClient.publish`,
 * without the client's per-request object, timer and the error it builds for
 * every cancelled timer. Acknowledgements that do not arrive within the
 * timeout (default 5 s, as the client's) reject with a `TimeoutError`, swept
 * by one timer.
 *
 * Contract: each publish is issued exactly once, in the order queued, at most
 * one event-loop turn later; its promise settles as the client's would: with
 * the `PubAck`, a `JetStreamApiError` (code and description from the server,
 * e.g. 10071 for a wrong last subject sequence), a `JetStreamError` when
 * no stream listens on the subject (no responders), `TimeoutError`, or the connection's
 * closing error. Writers on one connection share its coalescer
 * (`sharedPublishCoalescer`), so the store's writes and the event publisher's
 * publishes of a turn go out in one socket write rather than one each.
 */
import {
  createInbox,
  headers as newHeaders,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { JetStreamApiError, JetStreamError, type PubAck } from '@nats-io/jetstream';

/** The subset of JetStream publish options Skiff uses. */
export interface CoalescedPublishOptions {
  headers?: MsgHdrs;
  /** De-duplication id (`Nats-Msg-Id`). */
  msgID?: string;
  expect?: {
    /** Compare-and-swap: the subject's last sequence must be this (`Nats-Expected-Last-Subject-Sequence`). */
    lastSubjectSequence?: number;
  };
}

interface QueuedPublish {
  subject: string;
  data: Uint8Array;
  options: CoalescedPublishOptions;
  resolve: (ack: PubAck) => void;
  reject: (err: unknown) => void;
}

interface AwaitedAck {
  deadline: number;
  resolve: (ack: PubAck) => void;
  reject: (err: unknown) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;
const decoder = new TextDecoder();

/** The JetStream API's answer to a publish. */
interface PubAckResponse {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  domain?: string;
  error?: { code: number; err_code?: number; description?: string };
}

function settle(msg: Msg, waiter: AwaitedAck): void {
  if (msg.headers?.code === 503) {
    waiter.reject(new JetStreamError('jetstream is not enabled (no responders)'));
    return;
  }
  let r: PubAckResponse;
  try {
    r = JSON.parse(decoder.decode(msg.data)) as PubAckResponse;
  } catch (err) {
    waiter.reject(err);
    return;
  }
  if (r.error !== undefined) {
    waiter.reject(new JetStreamApiError({ code: r.error.code, err_code: r.error.err_code ?? 0, description: r.error.description ?? '' }));
  } else if (r.stream === undefined || r.stream === '' || r.seq === undefined) {
    waiter.reject(new Error('invalid ack response'));
  } else {
    const ack: PubAck = { stream: r.stream, seq: r.seq, duplicate: r.duplicate === true };
    if (r.domain !== undefined) ack.domain = r.domain;
    waiter.resolve(ack);
  }
}

export class PublishCoalescer {
  private queue: QueuedPublish[] = [];
  private scheduled = false;
  /** Publishes waiting for their acknowledgement, by reply token, oldest first. */
  private readonly awaited = new Map<string, AwaitedAck>();
  private readonly inbox: string;
  private readonly replies: Subscription;
  private sweeper: NodeJS.Timeout | undefined;
  private nextToken = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.inbox = `${createInbox()}.`;
    this.replies = nc.subscribe(`${this.inbox}*`, {
      callback: (err, msg) => {
        if (err !== null) return;
        const token = msg.subject.slice(this.inbox.length);
        const waiter = this.awaited.get(token);
        if (waiter === undefined) return; // timed out already
        this.awaited.delete(token);
        settle(msg, waiter);
      },
    });
    void this.replies.closed.then(
      () => this.rejectAll(new Error('connection closed')),
      (err: unknown) => this.rejectAll(err),
    );
  }

  /** Queues a JetStream publish; resolves with its acknowledgement. */
  publish(subject: string, data: Uint8Array, options: CoalescedPublishOptions): Promise<PubAck> {
    return new Promise<PubAck>((resolve, reject) => {
      this.queue.push({ subject, data, options, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.issue());
      }
    });
  }

  /** Issues every queued publish in one synchronous run, so the client flushes them together. */
  private issue(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const deadline = Date.now() + this.timeoutMs;
    for (const p of batch) {
      const token = String(this.nextToken++);
      const h = p.options.headers ?? newHeaders();
      if (p.options.msgID !== undefined) h.set('Nats-Msg-Id', p.options.msgID);
      const seq = p.options.expect?.lastSubjectSequence;
      if (seq !== undefined) h.set('Nats-Expected-Last-Subject-Sequence', String(seq));
      try {
        this.nc.publish(p.subject, p.data, { reply: this.inbox + token, headers: h });
      } catch (err) {
        p.reject(err);
        continue;
      }
      this.awaited.set(token, { deadline, resolve: p.resolve, reject: p.reject });
    }
    if (this.sweeper === undefined && this.awaited.size > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.min(1000, this.timeoutMs));
      this.sweeper.unref();
    }
  }

  /** Rejects the publishes whose acknowledgement is overdue; stops when none waits. */
  private sweep(): void {
    const now = Date.now();
    for (const [token, waiter] of this.awaited) {
      if (waiter.deadline > now) break; // insertion order is deadline order
      this.awaited.delete(token);
      waiter.reject(new TimeoutError());
    }
    if (this.awaited.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private rejectAll(err: unknown): void {
    for (const waiter of this.awaited.values()) waiter.reject(err);
    this.awaited.clear();
    for (const p of this.queue) p.reject(err);
    this.queue = [];
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

const shared = new WeakMap<NatsConnection, PublishCoalescer>();

/** The one coalescer of a connection's JetStream publishes (default timeout). */
export function sharedPublishCoalescer(nc: NatsConnection): PublishCoalescer {
  let coalescer = shared.get(nc);
  if (coalescer === undefined) {
    coalescer = new PublishCoalescer(nc);
    shared.set(nc, coalescer);
  }
  return coalescer;
}
