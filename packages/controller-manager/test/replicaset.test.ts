/**
 * The ReplicaSet controller against a real nats-server, an in-process
 * apiserver and real informers, with no kubelet: the test marks pods Running
 * and Ready itself. A separate informer watches every pod event, so
 * "never more than N" is checked at every moment, not just at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import {
  ApiError,
  NAMESPACES,
  PODS,
  REPLICASETS,
  namespacedName,
  nowTimestamp,
  type Namespace,
  type Pod,
  type PodStatus,
  type ReplicaSet,
} from '@skiff/api';
import { Informer, type InformerHandlers } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { ReplicaSetController } from '../src/replicaset/index.js';
import { ControllerExpectations } from '../src/shared/expectations.js';
import { podsToDelete } from '../src/shared/pod-ranking.js';
import { slowStartBatch } from '../src/shared/slow-start.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

let t: TestApi;
let nc: NatsConnection;
let pods: Informer<Pod>;
let replicaSets: Informer<ReplicaSet>;
let watcher: Informer<Pod>;
let controller: ReplicaSetController;
let laggingController: ReplicaSetController;
let lagged: { pods: Informer<Pod>; replicaSets: Informer<ReplicaSet> };
const registry = new Registry();
const logger = silentLogger();
/** Namespaces the lagging controller owns; the normal one skips them (and the other way round). */
const LAGGED_NS = 'rs-lag';

/** An informer view that replays another informer's events lagMs late and lists only what it has replayed. */
function lagging<T extends Pod | ReplicaSet>(source: Informer<T>, lagMs: number, only: (o: T) => boolean): Informer<T> {
  const objects = new Map<string, T>();
  const handlers: InformerHandlers<T>[] = [];
  const later = (fn: () => void): void => void setTimeout(fn, lagMs);
  source.addHandlers({
    onAdd: (o) => {
      if (!only(o)) return;
      later(() => {
        objects.set(namespacedName(o), o);
        handlers.forEach((h) => h.onAdd?.(o));
      });
    },
    onUpdate: (old, o) => {
      if (!only(o)) return;
      later(() => {
        objects.set(namespacedName(o), o);
        handlers.forEach((h) => h.onUpdate?.(old, o));
      });
    },
    onDelete: (o) => {
      if (!only(o)) return;
      later(() => {
        objects.delete(namespacedName(o));
        handlers.forEach((h) => h.onDelete?.(o));
      });
    },
  });
  const view = {
    synced: source.synced,
    addHandlers: (h: InformerHandlers<T>) => void handlers.push(h),
    get: (key: string) => objects.get(key),
    list: () => [...objects.values()],
  };
  return view as unknown as Informer<T>;
}

/** Only objects outside the lagged namespace, for the normal controller. */
function filtered<T extends Pod | ReplicaSet>(source: Informer<T>, keep: (o: T) => boolean): Informer<T> {
  return lagging(source, 0, keep);
}

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  for (const name of ['rs-scale', 'rs-status', 'rs-adopt', 'rs-rank', LAGGED_NS]) {
    await t.client.create<Namespace>(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  pods = new Informer<Pod>({ client: t.client, nc, logger, desc: PODS });
  replicaSets = new Informer<ReplicaSet>({ client: t.client, nc, logger, desc: REPLICASETS });
  watcher = new Informer<Pod>({ client: t.client, nc, logger, desc: PODS });
  const normal = (o: Pod | ReplicaSet): boolean => o.metadata?.namespace !== LAGGED_NS;
  controller = new ReplicaSetController({
    client: t.client,
    pods: filtered(pods, normal),
    replicaSets: filtered(replicaSets, normal),
    logger,
    metrics: registry,
    events: null,
  });
  // Its pod informer is 300 ms behind the store; its ReplicaSet informer is not.
  lagged = {
    pods: lagging(pods, 300, (o) => !normal(o)),
    replicaSets: lagging(replicaSets, 0, (o) => !normal(o)),
  };
  laggingController = new ReplicaSetController({ client: t.client, ...lagged, logger, events: null });
  await Promise.all([pods.start(), replicaSets.start(), watcher.start()]);
  controller.start();
  laggingController.start();
});

afterAll(async () => {
  await controller?.stop();
  await laggingController?.stop();
  await Promise.all([pods?.stop(), replicaSets?.stop(), watcher?.stop()]);
  await t?.stop();
});

function replicaSet(ns: string, name: string, replicas: number, extra: { minReadySeconds?: number; app?: string } = {}): ReplicaSet {
  const app = extra.app ?? name;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      ...(extra.minReadySeconds === undefined ? {} : { minReadySeconds: extra.minReadySeconds }),
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, tier: 'web' } },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
      },
    },
  };
}

function isActive(p: Pod): boolean {
  return p.metadata?.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

/** Active pods controlled by the ReplicaSet with this uid, per the watcher. */
function ownedBy(uid: string | undefined): Pod[] {
  return watcher.list().filter((p) => isActive(p) && p.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === uid));
}

/** Records the largest number of active pods of a ReplicaSet seen at any event. */
function trackMax(uid: () => string | undefined): { max: number; stop(): void } {
  const state = { max: 0, active: true, stop: () => (state.active = false) };
  const check = (): void => {
    if (state.active) state.max = Math.max(state.max, ownedBy(uid()).length);
  };
  watcher.addHandlers({ onAdd: check, onUpdate: check, onDelete: check });
  return state;
}

function readyStatus(restarts = 0, readyAt = nowTimestamp()): PodStatus {
  return {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readyAt }],
    containerStatuses: [
      { name: 'main', image: 'busybox', imageID: '', ready: true, restartCount: restarts, state: { running: { startedAt: readyAt } } },
    ],
  };
}

async function markReady(pod: Pod, status: PodStatus = readyStatus()): Promise<void> {
  await t.client.patch(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { status }, 'merge', 'status');
}

async function getRS(ns: string, name: string): Promise<ReplicaSet> {
  return t.client.get<ReplicaSet>(REPLICASETS, ns, name);
}

/** Retried on 409: the apiserver does not yet retry a patch that races another write (the controller's status updates). */
async function setReplicas(ns: string, name: string, replicas: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.client.patch(REPLICASETS, ns, name, { spec: { replicas } }, 'merge');
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 10) throw err;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('shared helpers', () => {
  it('slowStartBatch runs batches of 1, 2, 4, … and stops after a failing batch', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let calls = 0;
    const run = async (count: number, failAt?: number): Promise<{ successes: number; error?: unknown }> => {
      batches.length = 0;
      calls = 0;
      return slowStartBatch(count, 1, async () => {
        const call = ++calls;
        inFlight++;
        if (batches.length === 0 || inFlight === 1) batches.push(0);
        batches[batches.length - 1] = Math.max(batches[batches.length - 1] ?? 0, inFlight);
        await sleep(5);
        inFlight--;
        if (call === failAt) throw new Error('quota');
      });
    };
    expect(await run(10)).toEqual({ successes: 10 });
    expect(batches).toEqual([1, 2, 4, 3]);
    const failed = await run(10, 2);
    expect(failed.successes).toBe(2);
    expect(String(failed.error)).toContain('quota');
    expect(calls).toBe(3);
  });

  it('expectations hold until observed, count a deletion once, and expire', () => {
    let now = 0;
    const e = new ControllerExpectations(1000, () => now);
    expect(e.satisfied('a')).toBe(true);
    e.expectCreations('a', 2);
    expect(e.satisfied('a')).toBe(false);
    e.creationObserved('a');
    expect(e.satisfied('a')).toBe(false);
    e.creationObserved('a');
    expect(e.satisfied('a')).toBe(true);
    e.expectDeletions('a', ['ns/p1', 'ns/p2']);
    e.deletionObserved('a', 'ns/p1');
    e.deletionObserved('a', 'ns/p1');
    expect(e.pending('a')).toEqual({ adds: 0, deletes: 1 });
    expect(e.satisfied('a')).toBe(false);
    now = 1001;
    expect(e.satisfied('a')).toBe(true);
  });

  it('ranks pods for deletion as upstream', () => {
    const at = (s: number): string => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString().replace('.000', '');
    const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; restarts?: number; created?: number }): Pod => ({
      metadata: { name, namespace: 'x', creationTimestamp: at(o.created ?? 0) },
      spec: { containers: [], ...(o.node === undefined ? {} : { nodeName: o.node }) },
      status: {
        ...(o.phase === undefined ? {} : { phase: o.phase }),
        conditions: [{ type: 'Ready', status: o.ready === true ? 'True' : 'False', lastTransitionTime: at(0) }],
        containerStatuses: [{ name: 'c', image: '', imageID: '', ready: o.ready === true, restartCount: o.restarts ?? 0 }],
      },
    });
    const all = [
      pod('ready-old', { node: 'n1', phase: 'Running', ready: true, created: 1 }),
      pod('ready-new', { node: 'n2', phase: 'Running', ready: true, created: 5 }),
      pod('ready-restarts', { node: 'n3', phase: 'Running', ready: true, restarts: 3 }),
      pod('running-unready', { node: 'n4', phase: 'Running' }),
      pod('unknown', { node: 'n5', phase: 'Unknown' }),
      pod('pending', { node: 'n6', phase: 'Pending' }),
      pod('unassigned', { phase: 'Pending' }),
    ];
    const order = podsToDelete(all, all, 6).map((p) => p.metadata?.name);
    expect(order).toEqual(['unassigned', 'pending', 'unknown', 'running-unready', 'ready-restarts', 'ready-new']);
    // Doubled up: of two equal pods, the one sharing its node with more related pods goes first.
    const a = pod('alone', { node: 'n1', phase: 'Running', ready: true });
    const b = pod('crowded', { node: 'n2', phase: 'Running', ready: true });
    const sibling = pod('sibling', { node: 'n2', phase: 'Running', ready: true });
    expect(podsToDelete([a, b], [a, b, sibling], 1).map((p) => p.metadata?.name)).toEqual(['crowded']);
  });
});

describe('ReplicaSetController', () => {
  it('scales up and down to exactly spec.replicas, never above, and reports status', async () => {
    const ns = 'rs-scale';
    const rs = await t.client.create<ReplicaSet>(REPLICASETS, ns, replicaSet(ns, 'web', 5));
    const uid = rs.metadata?.uid;
    const seen = trackMax(() => uid);
    await waitFor('5 pods', () => ownedBy(uid).length === 5);
    const created = ownedBy(uid);
    for (const p of created) {
      expect(p.metadata?.name).toMatch(/^web-[a-z0-9]+$/);
      expect(p.metadata?.labels).toEqual({ app: 'web', tier: 'web' });
      expect(p.metadata?.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    await sleep(300);
    expect(seen.max).toBe(5);

    await setReplicas(ns, 'web', 9);
    await waitFor('9 pods', () => ownedBy(uid).length === 9);
    await Promise.all(ownedBy(uid).map((p) => markReady(p)));
    await waitFor('status of 9 ready', async () => {
      const s = (await getRS(ns, 'web')).status;
      return s?.replicas === 9 && s.readyReplicas === 9 && s.availableReplicas === 9 && s.fullyLabeledReplicas === 9;
    });
    await sleep(300);
    expect(seen.max).toBe(9);

    await setReplicas(ns, 'web', 2);
    await waitFor('2 pods', () => ownedBy(uid).length === 2);
    await sleep(500);
    expect(ownedBy(uid)).toHaveLength(2);
    expect(seen.max).toBe(9);
    await waitFor('status after scaling down', async () => {
      const cur = await getRS(ns, 'web');
      return cur.status?.replicas === 2 && cur.status.readyReplicas === 2 && cur.status.observedGeneration === cur.metadata?.generation;
    });

    // A pod deleted by someone else is replaced.
    const [victim] = ownedBy(uid);
    await t.client.delete(PODS, ns, victim?.metadata?.name ?? '');
    await waitFor('a replacement', () => ownedBy(uid).length === 2 && !ownedBy(uid).some((p) => p.metadata?.uid === victim?.metadata?.uid));
    seen.stop();
    expect(seen.max).toBe(9);
  });

  it('counts pods available only after minReadySeconds', async () => {
    const ns = 'rs-status';
    const rs = await t.client.create<ReplicaSet>(REPLICASETS, ns, replicaSet(ns, 'slow', 2, { minReadySeconds: 2 }));
    await waitFor('2 pods', () => ownedBy(rs.metadata?.uid).length === 2);
    await Promise.all(ownedBy(rs.metadata?.uid).map((p) => markReady(p)));
    await waitFor('2 ready, not yet available', async () => {
      const s = (await getRS(ns, 'slow')).status;
      return s?.readyReplicas === 2 && s.availableReplicas === 0;
    });
    await waitFor('2 available', async () => (await getRS(ns, 'slow')).status?.availableReplicas === 2, 6000);
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    const ns = 'rs-adopt';
    const template = replicaSet(ns, 'adopt', 3).spec?.template;
    const orphans: Pod[] = [];
    for (const name of ['orphan-a', 'orphan-b']) {
      orphans.push(
        await t.client.create<Pod>(PODS, ns, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: ns, labels: { app: 'adopt' } },
          spec: template?.spec ?? { containers: [] },
        }),
      );
    }
    const rs = await t.client.create<ReplicaSet>(REPLICASETS, ns, replicaSet(ns, 'adopt', 3));
    const uid = rs.metadata?.uid;
    await waitFor('3 pods, two adopted', () => ownedBy(uid).length === 3);
    const names = ownedBy(uid).map((p) => p.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['orphan-a', 'orphan-b']));
    const adopted = await t.client.get<Pod>(PODS, ns, 'orphan-a');
    expect(adopted.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopt', uid, controller: true, blockOwnerDeletion: true },
    ]);
    await sleep(300);
    expect(ownedBy(uid)).toHaveLength(3);

    // Relabelled out of the selector: released, and replaced.
    await t.client.patch(PODS, ns, 'orphan-a', { metadata: { labels: { app: 'elsewhere' } } }, 'merge');
    await waitFor('orphan-a released', async () => (await t.client.get<Pod>(PODS, ns, 'orphan-a')).metadata?.ownerReferences?.length === 0);
    await waitFor('a replacement', () => ownedBy(uid).length === 3 && !ownedBy(uid).some((p) => p.metadata?.name === 'orphan-a'));
    const released = await t.client.get<Pod>(PODS, ns, 'orphan-a');
    expect(released.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('deletes surplus pods in rank order: unassigned, pending, not ready, most restarts', async () => {
    const ns = 'rs-rank';
    const spec = replicaSet(ns, 'rank', 1).spec?.template?.spec ?? { containers: [] };
    const make = async (name: string, nodeName?: string): Promise<Pod> =>
      t.client.create<Pod>(PODS, ns, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { app: 'rank' } },
        spec: { ...spec, ...(nodeName === undefined ? {} : { nodeName }) },
      });
    const readyAt = nowTimestamp(new Date(Date.now() - 60_000));
    await make('unassigned');
    await make('pending', 'node-a');
    await markReady(await make('unready', 'node-a'), { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] });
    await markReady(await make('restarts', 'node-a'), readyStatus(4, readyAt));
    await markReady(await make('steady', 'node-a'), readyStatus(0, readyAt));
    await waitFor('the watcher to see the statuses', () => watcher.get(`${ns}/steady`)?.status?.phase === 'Running');
    const rs = await t.client.create<ReplicaSet>(REPLICASETS, ns, replicaSet(ns, 'rank', 2));
    const uid = rs.metadata?.uid;
    await waitFor('2 pods left', () => ownedBy(uid).length === 2);
    await sleep(300);
    expect(
      ownedBy(uid)
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(['restarts', 'steady']);
    await setReplicas(ns, 'rank', 1);
    await waitFor('1 pod left', () => ownedBy(uid).length === 1);
    expect(ownedBy(uid)[0]?.metadata?.name).toBe('steady');
  });

  it('never overshoots while its pod informer lags 300 ms behind a burst of changes', async () => {
    const ns = LAGGED_NS;
    const rs = await t.client.create<ReplicaSet>(REPLICASETS, ns, replicaSet(ns, 'burst', 4));
    const uid = rs.metadata?.uid;
    // Upper bound at each moment: the largest spec.replicas since the last time it was lowered and pods caught up.
    let allowed = 4;
    let violations = 0;
    let created = 0;
    const check = (): void => {
      if (ownedBy(uid).length > allowed) violations++;
    };
    watcher.addHandlers({
      onAdd: (p) => {
        if (p.metadata?.namespace === ns) created++;
        check();
      },
      onUpdate: check,
      onDelete: check,
    });
    await waitFor('4 pods', () => ownedBy(uid).length === 4);
    // Status churn makes the controller sync again and again while its pod view is stale.
    for (const p of ownedBy(uid)) await markReady(p);
    for (const n of [7, 7, 3, 8, 2]) {
      allowed = Math.max(allowed, n);
      await setReplicas(ns, 'burst', n);
      await sleep(40);
    }
    await waitFor('2 pods', () => ownedBy(uid).length === 2, 10_000);
    allowed = 2;
    await sleep(800);
    expect(ownedBy(uid)).toHaveLength(2);
    expect(violations).toBe(0);
    // 4 at first, then at most the increases asked for (+3 to 7, +5 from 3 to 8): never a duplicate creation.
    expect(created).toBeLessThanOrEqual(12);
    expect(laggingController.expectations.satisfied(`${ns}/burst`)).toBe(true);
  });

  it('exports workqueue metrics with the replicaset name', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/workqueue_adds_total\{name="replicaset"\} [1-9]/);
    expect(text).toContain('workqueue_depth{name="replicaset"}');
    expect(text).toMatch(/workqueue_queue_duration_seconds_count\{name="replicaset"\} [1-9]/);
    expect(text).toMatch(/workqueue_work_duration_seconds_count\{name="replicaset"\} [1-9]/);
  });
});
