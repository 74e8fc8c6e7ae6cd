/** The publish coalescer against a real nats-server: acks, API errors, no stream, timeouts, closing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError, JetStreamError, jetstreamManager } from '@nats-io/jetstream';
import { PublishCoalescer } from '@skiff/store';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let nc: NatsConnection;
const STREAM = 'COALESCER_TEST';

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ['coalescer.>'], duplicate_window: 60_000_000_000 });
});
afterAll(async () => {
  await nats.stop();
});

const data = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('PublishCoalescer', () => {
  it('publishes a turn of writes and resolves each with its own ack, in order', async () => {
    const c = new PublishCoalescer(nc);
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => c.publish(`coalescer.a.${i}`, data(`m${i}`), {})));
    expect(acks.every((a) => a.stream === STREAM && !a.duplicate)).toBe(true);
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(50);
  });

  it('sends the caller headers, the message id and the expected last subject sequence', async () => {
    const c = new PublishCoalescer(nc);
    const first = await c.publish('coalescer.b', data('x'), {
      headers: { 'Skiff-Op': 'ADDED' },
      msgID: 'id-1',
      expect: { lastSubjectSequence: 0 },
    });
    const again = await c.publish('coalescer.b.other', data('x'), { msgID: 'id-1' });
    expect(again).toMatchObject({ duplicate: true, seq: first.seq });
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage(STREAM, { seq: first.seq });
    expect(stored?.header?.get('Skiff-Op')).toBe('ADDED');
    const stale = c.publish('coalescer.b', data('y'), { expect: { lastSubjectSequence: 0 } });
    await expect(stale).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(stale).rejects.toMatchObject({ code: 10071 });
  });

  it('rejects a publish no stream takes, and one whose ack does not come in time', async () => {
    const c = new PublishCoalescer(nc, 300);
    await expect(c.publish('nostream.subject', data('x'), {})).rejects.toBeInstanceOf(JetStreamError);
    const silent = nc.subscribe('silent.subject', { callback: () => undefined });
    await nc.flush();
    await expect(c.publish('silent.subject', data('x'), {})).rejects.toMatchObject({ name: 'TimeoutError' });
    silent.unsubscribe();
  });

  it('rejects what waits when its connection closes', async () => {
    const own = await nats.connect();
    const c = new PublishCoalescer(own, 60_000);
    const silent = own.subscribe('silent.closing', { callback: () => undefined });
    await own.flush();
    const pending = c.publish('silent.closing', data('x'), {});
    await new Promise((r) => setTimeout(r, 50));
    await own.close();
    await expect(pending).rejects.toThrow();
    expect(silent.isClosed()).toBe(true);
  });
});
