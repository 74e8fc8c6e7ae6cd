/**
 * Many NATS requests in flight on one connection, their replies collected on
 * one wildcard subscription: each request is published with the reply subject
 * `<inbox>.<n>`, and the reply to `<inbox>.<n>` settles request n. Requests
 * whose reply does not come within the timeout fail, swept by one coarse
 * timer. nats.js's own `request()` (and JetStream's `publish()`) does the same
 * per request with a subscription entry, a timer and an Error with a stack
 * trace each; on the hot paths (the scheduler's bindings, the apiserver's
 * store writes) that per-request cost was measurable.
 *
 * Used by the client's NATS requests and by the store's publish coalescer;
 * each interprets the reply message itself.
 *
 * Contract: a waiter is settled exactly once: with its reply message, with
 * the timeout error (`timeoutError()`) once its deadline has passed, or with
 * the error that ended the reply subscription (the connection closing:
 * `closedError()`), whichever comes first. Replies to requests no longer
 * waited for are dropped.
 */
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';

/** Who waits for one reply. */
export interface ReplyWaiter {
  reply(msg: Msg): void;
  fail(err: unknown): void;
}

export interface ReplyInboxOptions {
  /** How long a request waits for its reply, in ms. */
  timeoutMs: number;
  /** The error a request whose reply did not come in time fails with. */
  timeoutError: () => Error;
  /** The error what still waits fails with when the reply subscription ends without one of its own. */
  closedError: () => Error;
  /** How often overdue requests are looked for (default: the timeout, at most 1 s). */
  sweepMs?: number;
}

interface Waiting {
  deadline: number;
  waiter: ReplyWaiter;
}

export class ReplyInbox {
  /** Requests waiting for their reply, by token, oldest (earliest deadline) first. */
  private readonly waiting = new Map<number, Waiting>();
  private readonly prefix: string;
  private subscription: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private next = 0;

  /** `inbox` is a subject this connection may subscribe below (`createInbox(prefix)`). */
  constructor(
    private readonly nc: NatsConnection,
    inbox: string,
    private readonly options: ReplyInboxOptions,
  ) {
    this.prefix = `${inbox}.`;
  }

  /** How many requests wait for their reply. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * Publishes `data` on `subject` with a reply subject of this inbox; the
   * reply goes to `waiter`. Throws what the connection's publish throws (the
   * waiter is then not kept and never called).
   */
  publish(subject: string, data: Uint8Array | string, headers: MsgHdrs | undefined, waiter: ReplyWaiter): void {
    this.subscribe();
    const token = this.next++;
    this.nc.publish(
      subject,
      data,
      headers === undefined ? { reply: this.prefix + String(token) } : { reply: this.prefix + String(token), headers },
    );
    this.waiting.set(token, { deadline: Date.now() + this.options.timeoutMs, waiter });
    this.sweeper ??= setInterval(() => this.sweep(), this.options.sweepMs ?? Math.min(1000, this.options.timeoutMs)).unref();
  }

  /** Fails every waiting request with `err`. */
  failAll(err: unknown): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.stopSweeping();
    for (const w of waiting) w.waiter.fail(err);
  }

  private subscribe(): void {
    if (this.subscription !== undefined && !this.subscription.isClosed()) return;
    const subscription = this.nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => {
        if (err !== null) {
          this.failAll(err);
          return;
        }
        const token = Number(msg.subject.slice(this.prefix.length));
        const w = this.waiting.get(token);
        if (w === undefined) return; // timed out already
        this.waiting.delete(token);
        w.waiter.reply(msg);
      },
    });
    this.subscription = subscription;
    // The subscription ends with its connection: nothing will answer what still waits.
    void subscription.closed.then(
      (err) => this.failAll(err ?? this.options.closedError()),
      (err: unknown) => this.failAll(err),
    );
  }

  /** Fails the requests whose reply is overdue; stops once none waits. */
  private sweep(): void {
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) break; // insertion order is deadline order (one timeout for all)
      this.waiting.delete(token);
      w.waiter.fail(this.options.timeoutError());
    }
    if (this.waiting.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
