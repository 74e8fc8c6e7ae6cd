import { describe, expect, it } from 'vitest';
import { objectKey, PODS, type Binding, type Pod } from '@skiff/api';
import { MemoryStore, type StoredObject } from '@skiff/store';
import { bindPod } from '../src/registry/pod-binding.js';

const key = objectKey(PODS, 'default', 'p');
const binding = (node: string): Binding => ({
  apiVersion: 'v1',
  kind: 'Binding',
  metadata: { name: 'p' },
  target: { kind: 'Node', name: node },
});
const pod = (nodeName?: string, uid = 'u1'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid },
  spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName === undefined ? {} : { nodeName }) },
});

/** A cache that answers with a fixed (possibly stale) entry. */
const staleCache = (entry: StoredObject): { get(k: string): StoredObject | undefined } => ({
  get: (k) => (k === key ? entry : undefined),
});

describe('bindPod with the watch cache read first', () => {
  it('binds from the cache with one write when the cache is current, leaving the cached object unchanged', async () => {
    const store = new MemoryStore();
    const rev = await store.create(key, pod());
    const cached = { key, revision: rev, object: pod() };
    const bound = await bindPod(store, 'default', 'p', binding('n1'), false, staleCache(cached));
    expect(bound.spec?.nodeName).toBe('n1');
    expect(cached.object.spec?.nodeName).toBeUndefined();
    expect(((await store.get(key))?.object as Pod).spec?.nodeName).toBe('n1');
  });

  it('retries from the store when the cached revision is stale', async () => {
    const store = new MemoryStore();
    const r1 = await store.create(key, pod());
    await store.update(key, { ...pod(), metadata: { ...pod().metadata, labels: { a: 'b' } } }, r1);
    const bound = await bindPod(store, 'default', 'p', binding('n1'), false, staleCache({ key, revision: r1, object: pod() }));
    expect(bound.spec?.nodeName).toBe('n1');
    expect(bound.metadata?.labels).toEqual({ a: 'b' });
  });

  it('decides a refusal on the store, not on a stale cached copy', async () => {
    const store = new MemoryStore();
    // The cache still holds an earlier, bound pod of the same name; the store has a new unbound one.
    const rev = await store.create(key, pod(undefined, 'u2'));
    const old = { key, revision: rev - 1, object: pod('n9', 'u1') };
    expect((await bindPod(store, 'default', 'p', binding('n1'), false, staleCache(old))).spec?.nodeName).toBe('n1');
    // And the other way round: cached unbound, stored bound: 409.
    const again = bindPod(store, 'default', 'p', binding('n2'), false, staleCache({ key, revision: rev, object: pod(undefined, 'u2') }));
    await expect(again).rejects.toMatchObject({ code: 409 });
  });
});
