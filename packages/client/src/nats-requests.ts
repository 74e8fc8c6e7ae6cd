/**
 * Request/reply for many requests in flight on one NATS connection, on a
 * private inbox (`<inboxPrefix>.<nuid>`) shared by all of them (ReplyInbox in
 * @skiff/api: one subscription, one coarse timer for expired requests); the
 * scheduler sends two requests per pod, so this is the cheaper path. A reply
 * that is the server's 503 status (nobody subscribes to the subject) rejects
 * with a `NoRespondersError`; no reply within the timeout rejects with a
 * `TimeoutError`; a closed connection with a `ClosedConnectionError`.
 */
import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { ReplyInbox } from '@skiff/api';

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

export class NatsRequester {
  private readonly replies: ReplyInbox;

  /** `inboxPrefix` must be the connection's (`_INBOX.<user>` for an identified connection): it may subscribe under no other. */
  constructor(nc: NatsConnection, inboxPrefix: string, timeoutMs: number) {
    this.replies = new ReplyInbox(nc, createInbox(inboxPrefix), {
      timeoutMs,
      timeoutError: () => namedError('TimeoutError', `no reply within ${timeoutMs} ms`),
      closedError: () => namedError('ClosedConnectionError', 'connection closed'),
    });
  }

  /** Publishes `payload` on `subject` and resolves with the reply. */
  request(subject: string, payload: Uint8Array | string, headers: MsgHdrs): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      try {
        this.replies.publish(subject, payload, headers, {
          reply: (m) => {
            if (m.headers?.code === 503 && m.data.length === 0) reject(namedError('NoRespondersError', `no responders: ${m.subject}`));
            else resolve(m);
          },
          fail: reject,
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}
