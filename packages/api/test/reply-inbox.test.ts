/** ReplyInbox against a real nats-server: replies matched to their requests, timeouts, a closing connection, a failing publish. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ReplyInbox, type ReplyInboxOptions } from '@skiff/api';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
  // An echo service: answers each request with its own payload, reversed order for odd ones (late).
  nc.subscribe('inbox.echo', {
    callback: (_err, m) => {
      const n = Number(new TextDecoder().decode(m.data));
      if (n % 2 === 1) setTimeout(() => m.respond(m.data), 20);
      else m.respond(m.data);
    },
  });
  nc.subscribe('inbox.silent', { callback: () => undefined });
  await nc.flush();
});
afterAll(async () => {
  await nats.stop();
});

const OPTIONS: ReplyInboxOptions = {
  timeoutMs: 5000,
  timeoutError: () => Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
  closedError: () => Object.assign(new Error('closed'), { name: 'ClosedConnectionError' }),
};

/** Sends one request through `inbox`; resolves with the reply message. */
function ask(inbox: ReplyInbox, subject: string, payload: string): Promise<Msg> {
  return new Promise((resolve, reject) => inbox.publish(subject, payload, undefined, { reply: resolve, fail: reject }));
}

describe('ReplyInbox', () => {
  it('settles each of many requests in flight with its own reply, on one subscription', async () => {
    const inbox = new ReplyInbox(nc, createInbox(), OPTIONS);
    const before = nc.stats().inMsgs;
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => ask(inbox, 'inbox.echo', String(i))));
    expect(replies.map((m) => new TextDecoder().decode(m.data))).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(nc.stats().inMsgs - before).toBeGreaterThanOrEqual(200);
    expect(inbox.size).toBe(0);
  });

  it('fails a request whose reply does not come in time with the timeout error, and stops its timer', async () => {
    const inbox = new ReplyInbox(nc, createInbox(), { ...OPTIONS, timeoutMs: 200, sweepMs: 50 });
    const err = await ask(inbox, 'inbox.silent', 'x').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TimeoutError' });
    expect(inbox.size).toBe(0);
    // The inbox still works afterwards.
    expect(new TextDecoder().decode((await ask(inbox, 'inbox.echo', '2')).data)).toBe('2');
  });

  it('hands a no-responders status to the waiter as a reply (the caller interprets it)', async () => {
    const inbox = new ReplyInbox(nc, createInbox(), OPTIONS);
    const reply = await ask(inbox, 'inbox.nobody', 'x');
    expect(reply.headers?.code).toBe(503);
  });

  it('fails what waits with the closed error when the connection closes', async () => {
    const own = await nats.connect();
    const inbox = new ReplyInbox(own, createInbox(), { ...OPTIONS, timeoutMs: 60_000 });
    const pending = ask(inbox, 'inbox.silent', 'x');
    await own.flush();
    await own.close();
    await expect(pending).rejects.toBeInstanceOf(Error);
    expect(inbox.size).toBe(0);
  });

  it('throws what a publish throws and keeps no waiter for it', async () => {
    const own = await nats.connect();
    await own.close();
    const inbox = new ReplyInbox(own, createInbox(), OPTIONS);
    let called = false;
    const waiter = { reply: () => (called = true), fail: () => (called = true) };
    expect(() => inbox.publish('inbox.echo', 'x', undefined, waiter)).toThrow();
    expect(inbox.size).toBe(0);
    expect(called).toBe(false);
  });
});
