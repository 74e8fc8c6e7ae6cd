/**
 * The garbage collector against a real nats-server and apiserver, with real
 * informers: background, foreground (blockOwnerDeletion, chains) and orphan
 * propagation, several owners, owners that never existed or were re-created,
 * cluster-scoped owners, unresolvable references; and with the real
 * ReplicaSet and namespace controllers beside it. A `example.com/hold`
 * finalizer stands in for a slow dependent (a pod whose kubelet is still
 * stopping it) so the in-between states can be observed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import {
  ApiError,
  CONFIGMAPS,
  NAMESPACES,
  PODS,
  REPLICASETS,
  SECRETS,
  findResource,
  type KubeObject,
  type Namespace,
  type Pod,
  type ReplicaSet,
  type ResourceDescriptor,
} from '@skiff/api';
import { Informer } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { GarbageCollector } from '../src/garbage-collector/index.js';
import { decide } from '../src/garbage-collector/decide.js';
import { NamespaceController } from '../src/namespace.js';
import { ReplicaSetController } from '../src/replicaset/index.js';
import type { OwnerReference } from '../src/shared/owner-references.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

const HOLD = 'example.com/hold';
const NS = 'gc';
const CLUSTERROLES = findResource('rbac.authorization.k8s.io', 'clusterroles') as ResourceDescriptor;

let t: TestApi;
let nc: NatsConnection;
let gc: GarbageCollector;
let pods: Informer<Pod>;
let replicaSets: Informer<ReplicaSet>;
let namespaces: Informer<Namespace>;
let rsController: ReplicaSetController;
let nsController: NamespaceController;
const registry = new Registry();
const logger = silentLogger();

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  await t.client.create<Namespace>(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  pods = new Informer<Pod>({ client: t.client, nc, logger, desc: PODS });
  replicaSets = new Informer<ReplicaSet>({ client: t.client, nc, logger, desc: REPLICASETS });
  namespaces = new Informer<Namespace>({ client: t.client, nc, logger, desc: NAMESPACES });
  rsController = new ReplicaSetController({ client: t.client, pods, replicaSets, logger, events: null });
  nsController = new NamespaceController({ client: t.client, namespaces, logger, recheckMs: 100 });
  gc = new GarbageCollector({
    client: t.client,
    nc,
    logger,
    metrics: registry,
    shared: [
      [PODS, pods],
      [REPLICASETS, replicaSets],
      [NAMESPACES, namespaces],
    ] as ReadonlyArray<readonly [ResourceDescriptor, Informer<KubeObject>]>,
  });
  await Promise.all([pods.start(), replicaSets.start(), namespaces.start()]);
  rsController.start();
  nsController.start();
  await gc.start();
});

afterAll(async () => {
  await gc?.stop();
  await rsController?.stop();
  await nsController?.stop();
  await Promise.all([pods?.stop(), replicaSets?.stop(), namespaces?.stop()]);
  await t?.stop();
});

/** An owner reference to object (of the given apiVersion and kind). */
function ref(object: KubeObject, blockOwnerDeletion?: boolean): OwnerReference {
  return {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? '',
    uid: object.metadata?.uid ?? '',
    ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }),
  };
}

async function configMap(name: string, owners: OwnerReference[] = [], finalizers: string[] = [], ns = NS): Promise<KubeObject> {
  return t.client.create(CONFIGMAPS, ns, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ownerReferences: owners, ...(finalizers.length > 0 ? { finalizers } : {}) },
  });
}

async function current(desc: ResourceDescriptor, name: string, ns = NS): Promise<KubeObject | undefined> {
  return t.client.getOrUndefined(desc, ns, name);
}

async function gone(desc: ResourceDescriptor, name: string, ns = NS): Promise<void> {
  await waitFor(`${desc.resource} ${name} to be gone`, async () => (await current(desc, name, ns)) === undefined, 15_000, 50);
}

async function release(desc: ResourceDescriptor, name: string, ns = NS): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.client.patch(desc, ns, name, { metadata: { finalizers: null } }, 'merge');
      return;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 10) throw err;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('garbage collector decisions', () => {
  const owner = (uid: string): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid });
  const facts = { finalizers: [], hasDependents: false, dependentDeletingDependents: false };
  it('keeps an object with a live owner, dropping references to gone and waiting ones', () => {
    const present = { state: 'present', desc: CONFIGMAPS, deletingDependents: false } as const;
    const waiting = { state: 'present', desc: CONFIGMAPS, deletingDependents: true } as const;
    expect(decide([{ ref: owner('a'), owner: present }], facts).action).toBe('keep');
    expect(
      decide(
        [
          { ref: owner('a'), owner: present },
          { ref: owner('b'), owner: { state: 'absent' } },
          { ref: owner('c'), owner: waiting },
        ],
        facts,
      ),
    ).toEqual({ action: 'removeReferences', uids: ['b', 'c'] });
    expect(decide([{ ref: owner('c'), owner: waiting }], { ...facts, hasDependents: true })).toEqual({
      action: 'delete',
      policy: 'Foreground',
      unblockUids: [],
    });
    expect(decide([{ ref: owner('b'), owner: { state: 'absent' } }], { ...facts, finalizers: ['orphan'] })).toEqual({
      action: 'delete',
      policy: 'Orphan',
      unblockUids: [],
    });
    expect(decide([{ ref: owner('b'), owner: { state: 'unresolvable', reason: 'x' } }], facts).action).toBe('keep');
  });
});

describe('garbage collector', () => {
  it('Background: deletes the dependents of a deleted owner, across resources; a second owner keeps one alive', async () => {
    const owner = await configMap('bg-owner');
    const other = await configMap('bg-other');
    await configMap('bg-dep', [ref(owner)]);
    await t.client.create(SECRETS, NS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bg-secret', ownerReferences: [ref(owner)] },
    });
    await configMap('bg-shared', [ref(owner), ref(other)]);
    await t.client.delete(CONFIGMAPS, NS, 'bg-owner', { propagationPolicy: 'Background' });
    await gone(CONFIGMAPS, 'bg-dep');
    await gone(SECRETS, 'bg-secret');
    // The shared dependent survives and loses its reference to the gone owner.
    await waitFor('the dangling reference to be removed', async () => {
      const refs = (await current(CONFIGMAPS, 'bg-shared'))?.metadata?.ownerReferences ?? [];
      return refs.length === 1 && refs[0]?.uid === other.metadata?.uid;
    });
    await t.client.delete(CONFIGMAPS, NS, 'bg-other');
    await gone(CONFIGMAPS, 'bg-shared');
  });

  it('collects dependents whose owner never existed or was re-created with another uid (verified with a live GET)', async () => {
    await configMap('virtual-dep', [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'never-was', uid: '00000000-0000-0000-0000-000000000001' },
    ]);
    const owner = await configMap('recreated');
    await configMap('stale-dep', [{ ...ref(owner), uid: '00000000-0000-0000-0000-000000000002' }]);
    await configMap('live-dep', [ref(owner)]);
    // A namespaced owner can only be in its dependent's namespace: one with that uid elsewhere does not count.
    const elsewhere = await configMap('elsewhere-owner', [], [], 'default');
    await configMap('cross-ns-dep', [ref(elsewhere)]);
    await gone(CONFIGMAPS, 'virtual-dep');
    await gone(CONFIGMAPS, 'stale-dep');
    await gone(CONFIGMAPS, 'cross-ns-dep');
    expect(await current(CONFIGMAPS, 'elsewhere-owner', 'default')).toBeDefined();
    expect(await current(CONFIGMAPS, 'live-dep')).toBeDefined();
    await t.client.delete(CONFIGMAPS, NS, 'recreated');
    await gone(CONFIGMAPS, 'live-dep');
  });

  it('a cluster-scoped owner collects namespaced dependents; unresolvable references keep their object', async () => {
    const role = await t.client.create(CLUSTERROLES, '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'gc-role' },
    });
    await configMap('role-dep', [ref(role)]);
    // A cluster-scoped object cannot have a namespaced owner; a kind the server does not serve cannot be checked.
    await t.client.create(CLUSTERROLES, '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'gc-bad-owner', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'no-such-uid' }] },
    });
    await configMap('unknown-kind', [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'no-such-widget' }]);
    await t.client.delete(CLUSTERROLES, '', 'gc-role');
    await gone(CONFIGMAPS, 'role-dep');
    await configMap('sentinel', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'never', uid: 'no-such-owner' }]);
    await gone(CONFIGMAPS, 'sentinel');
    expect(await current(CLUSTERROLES, 'gc-bad-owner', '')).toBeDefined();
    expect(await current(CONFIGMAPS, 'unknown-kind')).toBeDefined();
    await t.client.delete(CLUSTERROLES, '', 'gc-bad-owner');
    await t.client.delete(CONFIGMAPS, NS, 'unknown-kind');
  });

  it('Foreground: the owner stays (deletionTimestamp, finalizer) until no blocking dependent is left, through a chain', async () => {
    const owner = await configMap('fg-owner');
    const middle = await configMap('fg-middle', [ref(owner, true)]);
    await configMap('fg-leaf', [ref(middle, true)], [HOLD]);
    await configMap('fg-loose', [ref(owner, false)], [HOLD]);
    await t.client.delete(CONFIGMAPS, NS, 'fg-owner', { propagationPolicy: 'Foreground' });
    // The middle object has a dependent of its own: it is deleted in the foreground too.
    await waitFor('fg-middle to be deleted in the foreground', async () => {
      const m = (await current(CONFIGMAPS, 'fg-middle'))?.metadata;
      return m?.deletionTimestamp !== undefined && m.finalizers?.includes('foregroundDeletion') === true;
    });
    await waitFor('the leaf and the loose dependent to be deleting', async () => {
      const leaf = await current(CONFIGMAPS, 'fg-leaf');
      const loose = await current(CONFIGMAPS, 'fg-loose');
      return leaf?.metadata?.deletionTimestamp !== undefined && loose?.metadata?.deletionTimestamp !== undefined;
    });
    await sleep(300);
    const held = await current(CONFIGMAPS, 'fg-owner');
    expect(held?.metadata?.deletionTimestamp).toBeDefined();
    expect(held?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    // The leaf's own finalizer goes: then the middle, then the owner, while the non-blocking one still exists.
    await release(CONFIGMAPS, 'fg-leaf');
    await gone(CONFIGMAPS, 'fg-middle');
    await gone(CONFIGMAPS, 'fg-owner');
    expect((await current(CONFIGMAPS, 'fg-loose'))?.metadata?.deletionTimestamp).toBeDefined();
    await release(CONFIGMAPS, 'fg-loose');
    await gone(CONFIGMAPS, 'fg-loose');
  });

  it('Orphan: dependents stay without the reference to the owner, then the owner goes', async () => {
    const owner = await configMap('or-owner');
    const other = await configMap('or-other');
    await configMap('or-dep', [ref(owner, true)]);
    await configMap('or-shared', [ref(owner), ref(other)]);
    await t.client.delete(CONFIGMAPS, NS, 'or-owner', { propagationPolicy: 'Orphan' });
    await gone(CONFIGMAPS, 'or-owner');
    expect((await current(CONFIGMAPS, 'or-dep'))?.metadata?.ownerReferences).toBeUndefined();
    expect((await current(CONFIGMAPS, 'or-shared'))?.metadata?.ownerReferences?.map((r) => r.uid)).toEqual([other.metadata?.uid]);
    await sleep(300);
    expect(await current(CONFIGMAPS, 'or-dep')).toBeDefined();
    await t.client.delete(CONFIGMAPS, NS, 'or-dep');
    await t.client.delete(CONFIGMAPS, NS, 'or-other');
    await gone(CONFIGMAPS, 'or-shared');
  });

  it('a ReplicaSet deleted in the foreground keeps it until its pods are gone and never gets pods recreated', async () => {
    const created = await t.client.create<ReplicaSet>(REPLICASETS, NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'fg-rs' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'fg-rs' } },
        template: { metadata: { labels: { app: 'fg-rs' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    const owned = (): Pod[] => pods.list().filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === created.metadata?.uid));
    const mine = await waitFor('two pods', () => (owned().length === 2 ? owned() : undefined));
    // Bound pods are deleted gracefully: they stay (terminating) until their "kubelet" (this test) finishes them.
    for (const p of mine) {
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: p.metadata?.name }, target: { kind: 'Node', name: 'n1' } };
      await t.client.createSubresource(PODS, NS, p.metadata?.name ?? '', 'binding', binding);
    }
    let seen = 0;
    pods.addHandlers({ onAdd: (p) => (p.metadata?.ownerReferences?.some((r) => r.uid === created.metadata?.uid) ? seen++ : undefined) });
    await t.client.delete(REPLICASETS, NS, 'fg-rs', { propagationPolicy: 'Foreground' });
    await waitFor('both pods to be terminating', () => owned().every((p) => p.metadata?.deletionTimestamp !== undefined));
    await sleep(500);
    expect(seen).toBe(0);
    expect((await current(REPLICASETS, 'fg-rs'))?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    for (const p of owned()) await t.client.delete(PODS, NS, p.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await gone(REPLICASETS, 'fg-rs');
    expect(seen).toBe(0);
    expect(owned()).toEqual([]);
  });

  it('a namespace with a foreground-deleting owner in it still empties and goes', async () => {
    await t.client.create<Namespace>(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc-doomed' } });
    const owner = await configMap('ns-owner', [], [], 'gc-doomed');
    await configMap('ns-dep', [ref(owner, true)], [HOLD], 'gc-doomed');
    await t.client.delete(CONFIGMAPS, 'gc-doomed', 'ns-owner', { propagationPolicy: 'Foreground' });
    await t.client.delete(NAMESPACES, '', 'gc-doomed');
    await sleep(300);
    expect(await current(NAMESPACES, 'gc-doomed', '')).toBeDefined();
    await release(CONFIGMAPS, 'ns-dep', 'gc-doomed');
    await gone(NAMESPACES, 'gc-doomed', '');
  });

  it('exports its work queues with workqueue metrics', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/workqueue_adds_total\{name="garbage_collector_attempt_to_delete"\} [1-9]/);
    expect(text).toMatch(/workqueue_adds_total\{name="garbage_collector_attempt_to_orphan"\} [1-9]/);
  });

  it('a collector started after an owner was deleted (and on informers already running) collects its dependents', async () => {
    await gc.stop();
    const owner = await configMap('while-down-owner');
    await configMap('while-down-dep', [ref(owner, true)]);
    await t.client.delete(CONFIGMAPS, NS, 'while-down-owner');
    await sleep(200);
    expect(await current(CONFIGMAPS, 'while-down-dep')).toBeDefined();
    gc = new GarbageCollector({
      client: t.client,
      nc,
      logger,
      shared: [[PODS, pods]] as ReadonlyArray<readonly [ResourceDescriptor, Informer<KubeObject>]>,
    });
    await gc.start();
    await gone(CONFIGMAPS, 'while-down-dep');
    expect(gc.graph.get(owner.metadata?.uid ?? '')).toBeUndefined();
  });
});
