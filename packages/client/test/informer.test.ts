import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { EVENT_TYPE_HEADER, objectKey, PODS, REVISION_HEADER, type Pod } from '@skiff/api';
import { Informer } from '@skiff/client';
import { openJetStreamStore } from '@skiff/store';
import { silentLogger } from '@skiff/telemetry';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;
let nc: NatsConnection;

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
});
afterAll(async () => {
  await t.stop();
});

function pod(name: string, nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'informer-test' } },
    spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], ...(nodeName === undefined ? {} : { nodeName }) },
  };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function snapshot(inf: Informer<Pod>): Record<string, string> {
  return Object.fromEntries(inf.list().map((p) => [p.metadata?.name ?? '', p.metadata?.resourceVersion ?? '']));
}

async function storeState(ns: string): Promise<Record<string, string>> {
  const list = await t.client.list<Pod>(PODS, { namespace: ns });
  return Object.fromEntries(list.items.map((p) => [p.metadata?.name ?? '', p.metadata?.resourceVersion ?? '']));
}

describe('informer', () => {
  it('lists, then follows creates, updates and deletes in order', async () => {
    const ns = 'default';
    await t.client.create(PODS, ns, pod('a1'));
    const seen: string[] = [];
    const inf = new Informer<Pod>({
      client: t.client,
      nc,
      desc: PODS,
      namespace: ns,
      logger: silentLogger(),
      labelSelector: 'app=informer-test',
      handlers: {
        onAdd: (p) => seen.push(`add ${p.metadata?.name ?? ''}`),
        onUpdate: (_o, p) => seen.push(`update ${p.metadata?.name ?? ''}`),
        onDelete: (p) => seen.push(`delete ${p.metadata?.name ?? ''}`),
      },
    });
    await inf.start();
    expect(seen).toContain('add a1');
    await t.client.create(PODS, ns, pod('a2'));
    await t.client.patch(PODS, ns, 'a2', { metadata: { labels: { app: 'informer-test', v: '2' } } });
    await t.client.delete(PODS, ns, 'a1');
    await until(() => seen.includes('delete a1'));
    expect(seen.filter((s) => s.endsWith('a2'))).toEqual(['add a2', 'update a2']);
    expect(snapshot(inf)).toEqual(await storeState(ns));
    await inf.stop();
    await t.client.delete(PODS, ns, 'a2');
  });

  it('ends with exactly the store state after a restart, with no lost or duplicated object', async () => {
    const ns = 'kube-public';
    for (let i = 0; i < 5; i++) await t.client.create(PODS, ns, pod(`r${i}`));
    const first = new Informer<Pod>({ client: t.client, nc, desc: PODS, namespace: ns, logger: silentLogger() });
    await first.start();
    await first.stop();
    // Changes while no informer runs.
    await t.client.delete(PODS, ns, 'r0');
    await t.client.patch(PODS, ns, 'r1', { metadata: { labels: { changed: 'yes' } } });
    await t.client.create(PODS, ns, pod('r5'));
    const adds: string[] = [];
    const second = new Informer<Pod>({
      client: t.client,
      nc,
      desc: PODS,
      namespace: ns,
      logger: silentLogger(),
      handlers: { onAdd: (p) => adds.push(p.metadata?.name ?? '') },
    });
    await second.start();
    await t.client.create(PODS, ns, pod('r6'));
    await until(() => adds.includes('r6'));
    expect(snapshot(second)).toEqual(await storeState(ns));
    expect(new Set(adds).size).toBe(adds.length);
    await second.stop();
  });

  it('delivers a change committed while no apiserver was running (the next one publishes it)', async () => {
    const ns = 'kube-system';
    const seen: string[] = [];
    const inf = new Informer<Pod>({
      client: t.client,
      nc,
      desc: PODS,
      namespace: ns,
      logger: silentLogger(),
      handlers: { onAdd: (p) => seen.push(p.metadata?.name ?? '') },
    });
    await inf.start();
    await t.restart(async () => {
      // Committed to the store, never published by the apiserver that stopped.
      const store = await openJetStreamStore(nc);
      const p = pod('committed-unpublished');
      p.metadata = { ...p.metadata, namespace: ns, uid: 'u-1', creationTimestamp: new Date().toISOString() };
      await store.create(objectKey(PODS, ns, 'committed-unpublished'), p);
      await store.close();
    });
    await until(() => seen.includes('committed-unpublished'), 10_000);
    expect(snapshot(inf)).toEqual(await storeState(ns));
    await inf.stop();
  });

  it('ignores a replayed (stale or duplicate) event', async () => {
    const ns = 'kube-node-lease';
    const created = await t.client.create(PODS, ns, pod('dup'));
    const updates: string[] = [];
    const inf = new Informer<Pod>({
      client: t.client,
      nc,
      desc: PODS,
      namespace: ns,
      logger: silentLogger(),
      handlers: { onUpdate: (_o, p) => updates.push(p.metadata?.resourceVersion ?? '') },
    });
    await inf.start();
    const updated = await t.client.patch<Pod>(PODS, ns, 'dup', { metadata: { labels: { v: '2' } } });
    await until(() => updates.length === 1);
    // Re-publish the create event as if a second apiserver replayed it late.
    const h = headers();
    h.set(REVISION_HEADER, String(created.metadata?.resourceVersion));
    h.set(EVENT_TYPE_HEADER, 'ADDED');
    await jetstream(nc).publish(`skiff.ev.core.pods._.${ns}.dup`, new TextEncoder().encode(JSON.stringify(created)), {
      headers: h,
      msgID: `replay-${Date.now()}`,
    });
    await t.client.create(PODS, ns, pod('after'));
    await until(() => inf.get(`${ns}/after`) !== undefined);
    expect(updates).toEqual([updated.metadata?.resourceVersion]);
    expect(inf.get(`${ns}/dup`)?.metadata?.resourceVersion).toBe(updated.metadata?.resourceVersion);
    await inf.stop();
  });

  it('receives only the pods bound to its node when filtered by node', async () => {
    const ns = 'default';
    const names: string[] = [];
    const inf = new Informer<Pod>({
      client: t.client,
      nc,
      desc: PODS,
      nodeName: 'node-a',
      logger: silentLogger(),
      handlers: { onAdd: (p) => names.push(p.metadata?.name ?? '') },
    });
    await inf.start();
    await t.client.create(PODS, ns, pod('on-b', 'node-b'));
    await t.client.create(PODS, ns, pod('unbound'));
    await t.client.create(PODS, ns, pod('on-a', 'node-a'));
    // Bind the unbound one to node-a: it arrives as an add.
    await t.client.createSubresource(PODS, ns, 'unbound', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'unbound' },
      target: { kind: 'Node', name: 'node-a' },
    });
    await until(() => names.includes('unbound'));
    expect(names.sort()).toEqual(['on-a', 'unbound']);
    await inf.stop();
  });
});
