/**
 * Request/reply for many requests in flight on one NATS connection: one
 * subscription on a private inbox (`<inboxPrefix>.<nuid>.*`), each request's
 * reply subject `<inbox>.<n>`, and one coarse timer for expired requests.
 * nats.js's own `request()` does the same per request but also arms a timer
 * and builds an Error with a stack trace for every request it completes; the
 * scheduler sends two requests per pod, so this is the cheaper path.
 * A reply that is the server's 503 status (nobody subscribes to the subject)
 * rejects with a `NoRespondersError`; no reply within the timeout rejects with
 * a `TimeoutError`.
 */
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

interface Pending {
  resolve(reply: Msg): void;
  reject(err: Error): void;
  deadline: number;
}

/** How often expired requests are looked for. */
const SWEEP_MS = 1000;

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

export class NatsRequester {
  private readonly inbox: string;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private subscription: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  /** `inboxPrefix` must be the connection's (`_INBOX.<user>` for an identified connection): it may subscribe under no other. */
  constructor(
    private readonly nc: NatsConnection,
    inboxPrefix: string,
    private readonly timeoutMs: number,
  ) {
    this.inbox = createInbox(inboxPrefix);
  }

  /** Publishes `payload` on `subject` and resolves with the reply. */
  request(subject: string, payload: Uint8Array | string, headers: MsgHdrs): Promise<Msg> {
    this.subscribe();
    const id = this.next++;
    return new Promise<Msg>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
      try {
        this.nc.publish(subject, payload, { reply: `${this.inbox}.${id}`, headers });
      } catch (err) {
        this.pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private subscribe(): void {
    if (this.subscription !== undefined && !this.subscription.isClosed()) return;
    this.subscription = this.nc.subscribe(`${this.inbox}.*`, {
      callback: (err, m) => {
        if (err !== null) {
          this.failAll(err);
          return;
        }
        const id = Number(m.subject.slice(this.inbox.length + 1));
        const waiting = this.pending.get(id);
        if (waiting === undefined) return;
        this.pending.delete(id);
        if (m.headers?.code === 503 && m.data.length === 0) waiting.reject(namedError('NoRespondersError', `no responders: ${m.subject}`));
        else waiting.resolve(m);
      },
    });
    // A closed connection ends the subscription: nothing will answer what is still waiting.
    void this.subscription.closed.then(() => this.failAll(namedError('ClosedConnectionError', 'connection closed')));
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, waiting] of this.pending) {
      if (waiting.deadline > now) continue;
      this.pending.delete(id);
      waiting.reject(namedError('TimeoutError', `no reply within ${this.timeoutMs} ms`));
    }
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private failAll(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
