import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { MemoryStore, openJetStreamStore, StoreError, writtenJson, type Store, type StoreChange } from '@skiff/store';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
});
afterAll(async () => {
  await nats.stop();
});

function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const implementations: Array<[string, () => Promise<Store>]> = [
  ['JetStreamStore', () => openJetStreamStore(nc)],
  ['MemoryStore', () => Promise.resolve(new MemoryStore())],
];

describe.each(implementations)('%s', (_name, open) => {
  it('creates, reads, updates with compare-and-swap and deletes', async () => {
    const store = await open();
    const key = `core.pods.default.p-${Math.random().toString(36).slice(2)}`;
    const r1 = await store.create(key, { kind: 'Pod', metadata: { name: 'p' } });
    await expect(store.create(key, {})).rejects.toMatchObject({ kind: 'exists' });
    const got = await store.get(key);
    expect(got?.revision).toBe(r1);
    const r2 = await store.update(key, { kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } } }, r1);
    expect(r2).toBeGreaterThan(r1);
    const stale = await store.update(key, {}, r1).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StoreError);
    expect((stale as StoreError).kind).toBe('conflict');
    const r3 = await store.delete(key, r2, { kind: 'Pod', metadata: { name: 'p' } });
    expect(r3).toBeGreaterThan(r2);
    expect(await store.get(key)).toBeNull();
    await expect(store.update(key, {}, r2)).rejects.toMatchObject({ kind: 'not-found' });
    // A deleted key can be created again.
    const r4 = await store.create(key, { kind: 'Pod' });
    expect(r4).toBeGreaterThan(r3);
    expect(await store.currentRevision()).toBeGreaterThanOrEqual(r4);
    await store.close();
  });

  it('watches from a snapshot and after a revision, in order, with deletes carrying the last state', async () => {
    const store = await open();
    const prefix = `core.pods.w${Math.random().toString(36).slice(2, 8)}.`;
    const rA = await store.create(`${prefix}a`, { metadata: { name: 'a' } });
    const rB = await store.create(`${prefix}b`, { metadata: { name: 'b' } });
    await store.delete(`${prefix}b`, rB, { metadata: { name: 'b', labels: { last: 'yes' } } });
    const snap: StoreChange[] = [];
    const w1 = store.watch({ kind: 'snapshot' }, (c) => snap.push(c));
    const snapRev = await w1.ready;
    const mine = snap.filter((c) => c.key.startsWith(prefix));
    expect(mine.map((c) => [c.type, c.key])).toEqual([['ADDED', `${prefix}a`]]);
    expect(snapRev).toBeGreaterThanOrEqual(rA);
    const after: StoreChange[] = [];
    const w2 = store.watch({ kind: 'after', revision: rA }, (c) => after.push(c));
    await w2.ready;
    const rA2 = await store.update(`${prefix}a`, { metadata: { name: 'a', labels: { v: '2' } } }, rA);
    await waitFor(() => after.some((c) => c.revision === rA2) && snap.some((c) => c.revision === rA2));
    const seen = after.filter((c) => c.key.startsWith(prefix)).map((c) => [c.type, c.key.slice(prefix.length)]);
    expect(seen).toEqual(
      [
        ['ADDED', 'b'],
        ['DELETED', 'b'],
        ['MODIFIED', 'a'],
      ].slice(_name === 'JetStreamStore' ? 1 : 0),
    );
    const del = after.find((c) => c.type === 'DELETED');
    expect(del?.object.metadata?.labels).toEqual({ last: 'yes' });
    const revs = after.map((c) => c.revision);
    expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    await w1.stop();
    await w2.stop();
    await store.close();
  });
});

describe('JetStreamStore written objects', () => {
  it('delivers its own writes as the written object, with the written JSON; others parsed', async () => {
    const store = await openJetStreamStore(nc);
    const other = await openJetStreamStore(nc);
    const prefix = `core.pods.o${Math.random().toString(36).slice(2, 8)}.`;
    const seen: StoreChange[] = [];
    const watch = store.watch({ kind: 'after', revision: await store.currentRevision() }, (c) => {
      if (c.key.startsWith(prefix)) seen.push(c);
    });
    await watch.ready;
    const mine = { kind: 'Pod', metadata: { name: 'a' }, spec: { nodeName: 'n' } };
    await store.create(`${prefix}a`, mine);
    const theirs = { kind: 'Pod', metadata: { name: 'b' } };
    await other.create(`${prefix}b`, theirs);
    await waitFor(() => seen.length === 2);
    expect(seen[0]?.object).toBe(mine);
    expect(writtenJson(mine)).toBe(JSON.stringify(mine));
    expect(seen[1]?.object).not.toBe(theirs);
    expect(seen[1]?.object).toEqual(theirs);
    // A refused write is not delivered and does not shadow the next one.
    const refused = { kind: 'Pod', metadata: { name: 'a', labels: { x: 'y' } } };
    await expect(store.update(`${prefix}a`, refused, 1)).rejects.toMatchObject({ kind: 'conflict' });
    await watch.stop();
    await other.close();
    await store.close();
  });
});
