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
 * inbox (ReplyInbox in @skiff/api: one wildcard subscription collects every
 * acknowledgement): the same wire exchange as `JetStreamClient.publish`,
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
import { createInbox, TimeoutError, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError, JetStreamError, type PubAck } from '@nats-io/jetstream';
import { ReplyInbox, WireHeaders, type ReplyWaiter } from '@skiff/api';

/** The subset of JetStream publish options Skiff uses. */
export interface CoalescedPublishOptions {
  /** Header fields, in order (undefined ones are left out); sent as WireHeaders (cheaper than nats.js's). */
  headers?: Record<string, string | undefined>;
  /** De-duplication id (`Nats-Msg-Id`). */
  msgID?: string;
  expect?: {
    /** Compare-and-swap: the subject's last sequence must be this (`Nats-Expected-Last-Subject-Sequence`). */
    lastSubjectSequence?: number;
  };
}

/** A publish from queueing to its acknowledgement (it is its own reply waiter: no closure per publish). */
class QueuedPublish implements ReplyWaiter {
  constructor(
    readonly subject: string,
    readonly data: Uint8Array,
    readonly options: CoalescedPublishOptions,
    readonly resolve: (ack: PubAck) => void,
    readonly fail: (err: unknown) => void,
  ) {}

  reply(msg: Msg): void {
    settle(msg, this);
  }
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

/** Settles a publish from its acknowledgement message. */
function settle(msg: Msg, p: QueuedPublish): void {
  if (msg.headers?.code === 503) {
    p.fail(new JetStreamError('jetstream is not enabled (no responders)'));
    return;
  }
  let r: PubAckResponse;
  try {
    r = JSON.parse(decoder.decode(msg.data)) as PubAckResponse;
  } catch (err) {
    p.fail(err);
    return;
  }
  if (r.error !== undefined) {
    p.fail(new JetStreamApiError({ code: r.error.code, err_code: r.error.err_code ?? 0, description: r.error.description ?? '' }));
  } else if (r.stream === undefined || r.stream === '' || r.seq === undefined) {
    p.fail(new Error('invalid ack response'));
  } else {
    const ack: PubAck = { stream: r.stream, seq: r.seq, duplicate: r.duplicate === true };
    if (r.domain !== undefined) ack.domain = r.domain;
    p.resolve(ack);
  }
}

export class PublishCoalescer {
  private queue: QueuedPublish[] = [];
  private scheduled = false;
  /** Where the acknowledgements come back. */
  private readonly acks: ReplyInbox;

  constructor(nc: NatsConnection, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.acks = new ReplyInbox(nc, createInbox(), {
      timeoutMs,
      timeoutError: () => new TimeoutError(),
      closedError: () => new Error('connection closed'),
    });
  }

  /** Queues a JetStream publish; resolves with its acknowledgement. */
  publish(subject: string, data: Uint8Array, options: CoalescedPublishOptions): Promise<PubAck> {
    return new Promise<PubAck>((resolve, reject) => {
      this.queue.push(new QueuedPublish(subject, data, options, resolve, reject));
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
    for (const p of batch) {
      const h = new WireHeaders(p.options.headers);
      if (p.options.msgID !== undefined) h.set('Nats-Msg-Id', p.options.msgID);
      const seq = p.options.expect?.lastSubjectSequence;
      if (seq !== undefined) h.set('Nats-Expected-Last-Subject-Sequence', String(seq));
      try {
        this.acks.publish(p.subject, p.data, h, p);
      } catch (err) {
        p.fail(err);
      }
    }
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
