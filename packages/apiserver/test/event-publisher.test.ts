import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, REVISION_HEADER } from '@skiff/api';
import { openJetStreamStore, type JetStreamStore } from '@skiff/store';
import { silentLogger } from '@skiff/telemetry';
import { EventPublisher } from '../src/storage/event-publisher.js';
import { WatchCache } from '../src/storage/watch-cache.js';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let nc: NatsConnection;
let store: JetStreamStore;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
  store = await openJetStreamStore(nc);
});
afterAll(async () => {
  await store.close();
  await nats.stop();
});

function configMap(name: string, value: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { value } };
}

/** The revisions held by the events stream, in stream order. */
async function publishedRevisions(): Promise<number[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(EVENTS_STREAM);
  const out: number[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
    if (msg !== null) out.push(Number(msg.header?.get(REVISION_HEADER)));
  }
  return out;
}

async function until(pred: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('event publisher fed by the watch cache', () => {
  it('publishes every revision once across the hand-off from the store replay to the cache, and again after a restart', async () => {
    const revisions: number[] = [];
    const write = async (i: number): Promise<void> => {
      revisions.push(await store.create(`core.configmaps.default.cm${i}`, configMap(`cm${i}`, 'v')));
    };
    // Changes committed before any publisher runs: the store replay must publish them.
    for (let i = 0; i < 40; i++) await write(i);
    const cache = new WatchCache(store);
    await cache.start();
    const publisher = await EventPublisher.create(nc, store, silentLogger(), undefined, cache);
    // Changes committed while the publisher hands off from the replay to the cache.
    const during = Promise.all(Array.from({ length: 40 }, (_, i) => write(40 + i)));
    await publisher.start();
    await during;
    for (let i = 80; i < 100; i++) await write(i);
    await until(async () => (await publishedRevisions()).length >= revisions.length);
    await publisher.stop();

    // A second publisher resumes from the last published revision.
    const resumed = await EventPublisher.create(nc, store, silentLogger(), undefined, cache);
    await resumed.start();
    for (let i = 100; i < 120; i++) await write(i);
    await until(async () => (await publishedRevisions()).length >= revisions.length);
    await resumed.stop();
    await cache.stop();

    const published = await publishedRevisions();
    expect(published).toEqual([...revisions].sort((a, b) => a - b));
  });
});
