/**
 * Coalesces JetStream publishes issued from different event-loop callbacks
 * into one socket write.
 *
 * The NATS client buffers outgoing protocol commands and flushes them on a
 * microtask, so publishes made in one synchronous run share a write, but each
 * HTTP request is handled in a callback of its own and would otherwise cost a
 * write system call (on loopback the kernel delivers the segment to the
 * server inside that call: a fifth of the apiserver's CPU at 1,000 creates/s).
 * Here a publish is queued and every queued publish is issued in one
 * synchronous run from a `setImmediate`, after the poll phase has read every
 * request that arrived together.
 *
 * Contract: each publish is issued exactly once, in the order queued, at most
 * one event-loop turn later; its promise settles as the client's would.
 * Writers on one connection share its coalescer (`sharedPublishCoalescer`), so
 * the store's writes and the event publisher's publishes of a turn go out in
 * one socket write rather than one each.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient, type JetStreamPublishOptions, type PubAck } from '@nats-io/jetstream';

interface QueuedPublish {
  subject: string;
  data: Uint8Array;
  options: Partial<JetStreamPublishOptions>;
  resolve: (ack: PubAck) => void;
  reject: (err: unknown) => void;
}

export class PublishCoalescer {
  private queue: QueuedPublish[] = [];
  private scheduled = false;

  constructor(private readonly js: JetStreamClient) {}

  /** Queues a JetStream publish; resolves with its acknowledgement. */
  publish(subject: string, data: Uint8Array, options: Partial<JetStreamPublishOptions>): Promise<PubAck> {
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
    for (const p of batch) this.js.publish(p.subject, p.data, p.options).then(p.resolve, p.reject);
  }
}

const shared = new WeakMap<NatsConnection, PublishCoalescer>();

/** The one coalescer of a connection's JetStream publishes (default JetStream options). */
export function sharedPublishCoalescer(nc: NatsConnection): PublishCoalescer {
  let coalescer = shared.get(nc);
  if (coalescer === undefined) {
    coalescer = new PublishCoalescer(jetstream(nc));
    shared.set(nc, coalescer);
  }
  return coalescer;
}
