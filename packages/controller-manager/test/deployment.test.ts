/**
 * The Deployment controller with the ReplicaSet controller, against a real
 * nats-server, an in-process apiserver and real informers. No kubelet: a
 * stand-in marks each new pod Running and Ready a few milliseconds after it
 * appears (except in namespaces where pods must stay unready). Monitors check
 * the rollout bounds at every pod and ReplicaSet event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import {
  ApiError,
  DEPLOYMENTS,
  EVENTS,
  NAMESPACES,
  PODS,
  REPLICASETS,
  nowTimestamp,
  type Deployment,
  type Namespace,
  type Pod,
  type PodTemplateSpec,
  type ReplicaSet,
} from '@skiff/api';
import { Informer } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { DeploymentController } from '../src/deployment/index.js';
import { ReplicaSetController } from '../src/replicaset/index.js';
import { maxSurge, maxUnavailable, resolveFenceposts } from '../src/shared/rollout-math.js';
import { computeTemplateHash, templatesEqualIgnoringHash } from '../src/shared/template-hash.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

let t: TestApi;
let nc: NatsConnection;
const informers: { pods?: Informer<Pod>; rs?: Informer<ReplicaSet>; deployments?: Informer<Deployment> } = {};
let watchPods: Informer<Pod>;
let watchSets: Informer<ReplicaSet>;
let rsController: ReplicaSetController;
let controller: DeploymentController;
const registry = new Registry();
const logger = silentLogger();
/** Namespaces whose pods the stand-in kubelet never makes ready. */
const UNREADY = new Set(['dep-deadline', 'dep-prop']);
const NAMESPACE_NAMES = [
  'dep-basic',
  'dep-surge1',
  'dep-pct',
  'dep-recreate',
  'dep-undo',
  'dep-history',
  'dep-pause',
  'dep-deadline',
  'dep-prop',
  'dep-minready',
  'dep-adopt',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isActive(p: Pod): boolean {
  return p.metadata?.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** The stand-in kubelet: Running and Ready 5–40 ms after a pod appears. */
function simulateKubelet(pod: Pod): void {
  const ns = pod.metadata?.namespace ?? '';
  if (UNREADY.has(ns) || !isActive(pod) || isReady(pod)) return;
  setTimeout(
    () => {
      const now = nowTimestamp();
      const status = {
        phase: 'Running',
        startTime: now,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      };
      t.client.patch(PODS, ns, pod.metadata?.name ?? '', { status }, 'merge', 'status').catch(() => undefined);
    },
    5 + Math.random() * 35,
  );
}

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  for (const name of NAMESPACE_NAMES) {
    await t.client.create<Namespace>(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const client = t.client;
  const pods = new Informer<Pod>({ client, nc, logger, desc: PODS });
  const rs = new Informer<ReplicaSet>({ client, nc, logger, desc: REPLICASETS });
  const deployments = new Informer<Deployment>({ client, nc, logger, desc: DEPLOYMENTS });
  Object.assign(informers, { pods, rs, deployments });
  watchPods = new Informer<Pod>({ client, nc, logger, desc: PODS, handlers: { onAdd: simulateKubelet } });
  watchSets = new Informer<ReplicaSet>({ client, nc, logger, desc: REPLICASETS });
  rsController = new ReplicaSetController({ client, pods, replicaSets: rs, logger, metrics: registry, events: null });
  controller = new DeploymentController({ client, deployments, replicaSets: rs, pods, logger, metrics: registry });
  await Promise.all([pods.start(), rs.start(), deployments.start(), watchPods.start(), watchSets.start()]);
  rsController.start();
  controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await rsController?.stop();
  await Promise.all([informers.pods?.stop(), informers.rs?.stop(), informers.deployments?.stop(), watchPods?.stop(), watchSets?.stop()]);
  await t?.stop();
});

interface DeploymentOptions {
  replicas: number;
  strategy?: NonNullable<Deployment['spec']>['strategy'];
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
  version?: string;
}

function deployment(ns: string, name: string, o: DeploymentOptions): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, annotations: { 'kubernetes.io/change-cause': 'first' } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: name } },
      ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
      ...(o.revisionHistoryLimit === undefined ? {} : { revisionHistoryLimit: o.revisionHistoryLimit }),
      ...(o.progressDeadlineSeconds === undefined ? {} : { progressDeadlineSeconds: o.progressDeadlineSeconds }),
      ...(o.minReadySeconds === undefined ? {} : { minReadySeconds: o.minReadySeconds }),
      template: {
        metadata: { labels: { app: name }, annotations: { version: o.version ?? 'a' } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
      },
    },
  };
}

async function getDeployment(ns: string, name: string): Promise<Deployment> {
  return t.client.get<Deployment>(DEPLOYMENTS, ns, name);
}

/** The ReplicaSets the Deployment controls, oldest revision first. */
async function setsOf(ns: string, name: string): Promise<ReplicaSet[]> {
  const d = await getDeployment(ns, name);
  const list = await t.client.list<ReplicaSet>(REPLICASETS, { namespace: ns });
  return list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === d.metadata?.uid))
    .sort((a, b) => revision(a) - revision(b));
}

function revision(o: ReplicaSet | Deployment): number {
  return Number(o.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

/** What `kubectl rollout status` waits for. */
async function rolledOut(ns: string, name: string): Promise<boolean> {
  const d = await getDeployment(ns, name);
  const s = d.status;
  const want = d.spec?.replicas ?? 1;
  const progressing = s?.conditions?.find((c) => c.type === 'Progressing');
  return (
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    s?.updatedReplicas === want &&
    s.replicas === want &&
    s.availableReplicas === want &&
    progressing?.reason === 'NewReplicaSetAvailable'
  );
}

async function waitRolledOut(ns: string, name: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(`${ns}/${name} to roll out`, () => rolledOut(ns, name), timeoutMs, 50);
}

/**
 * A merge/strategic/json patch of a Deployment, retried on 409: the apiserver
 * does not yet retry a patch that races another write (the controller's
 * status updates), as Kubernetes does.
 */
async function patchDeployment(ns: string, name: string, patch: unknown, type: 'merge' | 'strategic' | 'json' = 'merge'): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.client.patch(DEPLOYMENTS, ns, name, patch, type);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 10) throw err;
    }
  }
}

async function setVersion(ns: string, name: string, version: string): Promise<void> {
  await patchDeployment(ns, name, { spec: { template: { metadata: { annotations: { version } } } } });
}

function activePods(ns: string): Pod[] {
  return watchPods.list().filter((p) => p.metadata?.namespace === ns && isActive(p));
}

/** Checks maxSurge and maxUnavailable at every pod and ReplicaSet event of a namespace. */
function monitorBounds(ns: string, desired: number, surge: number, unavailable: number) {
  const state = { maxPods: 0, minReady: Number.POSITIVE_INFINITY, maxSpec: 0, violations: [] as string[], on: true };
  const podCheck = (): void => {
    if (!state.on) return;
    const active = activePods(ns);
    const ready = active.filter(isReady).length;
    state.maxPods = Math.max(state.maxPods, active.length);
    state.minReady = Math.min(state.minReady, ready);
    if (active.length > desired + surge) state.violations.push(`${active.length} pods > ${desired}+${surge}`);
    if (ready < desired - unavailable) state.violations.push(`${ready} ready < ${desired}-${unavailable}`);
  };
  const setCheck = (): void => {
    if (!state.on) return;
    const spec = watchSets
      .list()
      .filter((rs) => rs.metadata?.namespace === ns)
      .reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    state.maxSpec = Math.max(state.maxSpec, spec);
    if (spec > desired + surge) state.violations.push(`ReplicaSets want ${spec} > ${desired}+${surge}`);
  };
  watchPods.addHandlers({ onAdd: podCheck, onUpdate: podCheck, onDelete: podCheck });
  watchSets.addHandlers({ onAdd: setCheck, onUpdate: setCheck, onDelete: setCheck });
  return state;
}

describe('rollout arithmetic', () => {
  it('rounds surge up and unavailable down, never both 0', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(1, 0, 10)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('0%', '0%', 3)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts('25%', '25%', 1)).toEqual({ surge: 1, unavailable: 0 });
    const recreate = deployment('x', 'x', { replicas: 4, strategy: { type: 'Recreate' } });
    expect([maxSurge(recreate), maxUnavailable(recreate)]).toEqual([0, 0]);
    expect(() => resolveFenceposts('25', 0, 4)).toThrow(/percentage/);
  });

  it('hashes templates stably and compares them ignoring the hash label and empty fields', () => {
    const a = deployment('x', 'x', { replicas: 1 }).spec?.template;
    // As a JSON patch from kubectl leaves it: creationTimestamp null, empty resources, and the hash label.
    const withHash = JSON.parse(JSON.stringify(a)) as PodTemplateSpec;
    withHash.metadata = { ...withHash.metadata, labels: { ...withHash.metadata?.labels, 'pod-template-hash': 'abc' } };
    Object.assign(withHash.metadata, { creationTimestamp: null });
    const [main] = withHash.spec?.containers ?? [];
    if (main !== undefined) main.resources = {};
    expect(templatesEqualIgnoringHash(a, withHash)).toBe(true);
    expect(computeTemplateHash(a)).toBe(computeTemplateHash(withHash));
    expect(computeTemplateHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeTemplateHash(a, 1)).not.toBe(computeTemplateHash(a));
    const b = deployment('x', 'x', { replicas: 1, version: 'b' }).spec?.template;
    expect(templatesEqualIgnoringHash(a, b)).toBe(false);
  });
});

describe('DeploymentController', () => {
  it('creates a ReplicaSet named after the template hash, with revision and replica annotations', async () => {
    const ns = 'dep-basic';
    const created = await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'web', { replicas: 3 }));
    await waitRolledOut(ns, 'web');
    const [rs, ...others] = await setsOf(ns, 'web');
    expect(others).toHaveLength(0);
    const hash = rs?.metadata?.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs?.metadata?.name).toBe(`web-${hash}`);
    expect(rs?.spec?.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs?.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs?.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(rs?.metadata?.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
      'kubernetes.io/change-cause': 'first',
    });
    const pods = activePods(ns);
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(p.metadata?.labels?.['pod-template-hash']).toBe(hash);
    const d = await getDeployment(ns, 'web');
    expect(revision(d)).toBe(1);
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(d.status?.unavailableReplicas ?? 0).toBe(0);
    expect(d.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual(
      expect.arrayContaining([
        ['Available', 'True', 'MinimumReplicasAvailable'],
        ['Progressing', 'True', 'NewReplicaSetAvailable'],
      ]),
    );

    // kubectl scale: the one active ReplicaSet takes the new count.
    await patchDeployment(ns, 'web', { spec: { replicas: 5 } });
    await waitRolledOut(ns, 'web');
    const [scaled] = await setsOf(ns, 'web');
    expect(scaled?.spec?.replicas).toBe(5);
    expect(scaled?.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('5');
    expect(activePods(ns)).toHaveLength(5);
  });

  it('rolls A to B with maxSurge=1, maxUnavailable=0 without ever breaking the bounds', async () => {
    const ns = 'dep-surge1';
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'app', { replicas: 5, strategy }));
    await waitRolledOut(ns, 'app');
    const bounds = monitorBounds(ns, 5, 1, 0);
    await setVersion(ns, 'app', 'b');
    await waitRolledOut(ns, 'app');
    bounds.on = false;
    expect(bounds.violations).toEqual([]);
    expect(bounds.maxPods).toBe(6);
    expect(bounds.minReady).toBe(5);
    const [old, current] = await setsOf(ns, 'app');
    expect(old?.spec?.replicas).toBe(0);
    expect(current?.spec?.replicas).toBe(5);
    expect(revision(current ?? {})).toBe(2);
    expect(revision(await getDeployment(ns, 'app'))).toBe(2);
    const hash = current?.metadata?.labels?.['pod-template-hash'];
    expect(activePods(ns).every((p) => p.metadata?.labels?.['pod-template-hash'] === hash)).toBe(true);
  });

  it('rolls 10 replicas with 25%/25% within 13 pods and 8 ready at every event', async () => {
    const ns = 'dep-pct';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'big', { replicas: 10 }));
    await waitRolledOut(ns, 'big');
    const d = await getDeployment(ns, 'big');
    expect(d.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    const bounds = monitorBounds(ns, 10, 3, 2);
    // kubectl set image: a strategic merge patch of the container.
    await patchDeployment(
      ns,
      'big',
      { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37' }] } } } },
      'strategic',
    );
    await waitRolledOut(ns, 'big', 20_000);
    bounds.on = false;
    expect(bounds.violations).toEqual([]);
    expect(bounds.maxPods).toBeLessThanOrEqual(13);
    expect(bounds.maxPods).toBeGreaterThan(10);
    expect(bounds.minReady).toBeGreaterThanOrEqual(8);
    expect(bounds.minReady).toBeLessThan(10);
    const sets = await setsOf(ns, 'big');
    expect(sets.map((rs) => rs.spec?.replicas)).toEqual([0, 10]);
    expect(sets[1]?.spec?.template?.spec?.containers[0]?.image).toBe('busybox:1.37');
  });

  it('Recreate removes every old pod before starting new ones', async () => {
    const ns = 'dep-recreate';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'db', { replicas: 3, strategy: { type: 'Recreate' } }));
    await waitRolledOut(ns, 'db');
    let mixed = 0;
    let sawNone = false;
    const check = (): void => {
      const hashes = new Set(activePods(ns).map((p) => p.metadata?.labels?.['pod-template-hash']));
      if (hashes.size > 1) mixed++;
      if (hashes.size === 0) sawNone = true;
    };
    watchPods.addHandlers({ onAdd: check, onUpdate: check, onDelete: check });
    await setVersion(ns, 'db', 'b');
    await waitRolledOut(ns, 'db');
    expect(mixed).toBe(0);
    expect(sawNone).toBe(true);
    const sets = await setsOf(ns, 'db');
    expect(sets.map((rs) => [revision(rs), rs.spec?.replicas])).toEqual([
      [1, 0],
      [2, 3],
    ]);
  });

  it('rolls back to the earlier ReplicaSet (kubectl rollout undo) and gives it a new revision', async () => {
    const ns = 'dep-undo';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'api', { replicas: 2 }));
    await waitRolledOut(ns, 'api');
    await setVersion(ns, 'api', 'b');
    await waitRolledOut(ns, 'api');
    const [first, second] = await setsOf(ns, 'api');
    expect([revision(first ?? {}), revision(second ?? {})]).toEqual([1, 2]);
    // What kubectl does: copy revision 1's template without its hash label into the Deployment (JSON patch).
    const template = structuredClone(first?.spec?.template ?? {});
    delete template.metadata?.labels?.['pod-template-hash'];
    await patchDeployment(ns, 'api', [{ op: 'replace', path: '/spec/template', value: template }], 'json');
    await waitFor('revision 3', async () => revision(await getDeployment(ns, 'api')) === 3);
    await waitRolledOut(ns, 'api');
    const sets = await setsOf(ns, 'api');
    expect(sets).toHaveLength(2);
    const current = sets.find((rs) => rs.metadata?.uid === first?.metadata?.uid);
    expect(current?.spec?.replicas).toBe(2);
    expect(current?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(current?.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(sets.find((rs) => rs.metadata?.uid === second?.metadata?.uid)?.spec?.replicas).toBe(0);
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    const ns = 'dep-history';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'hist', { replicas: 2, revisionHistoryLimit: 1 }));
    await waitRolledOut(ns, 'hist');
    for (const v of ['b', 'c', 'd']) {
      await setVersion(ns, 'hist', v);
      await waitRolledOut(ns, 'hist');
    }
    await waitFor('one old ReplicaSet left', async () => (await setsOf(ns, 'hist')).length === 2);
    await sleep(300);
    const sets = await setsOf(ns, 'hist');
    expect(sets.map((rs) => [revision(rs), rs.spec?.replicas])).toEqual([
      [3, 0],
      [4, 2],
    ]);
  });

  it('pauses (scaling only) and resumes the rollout', async () => {
    const ns = 'dep-pause';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'p', { replicas: 2 }));
    await waitRolledOut(ns, 'p');
    await patchDeployment(ns, 'p', { spec: { paused: true } });
    await waitFor('the DeploymentPaused condition', async () => {
      const c = (await getDeployment(ns, 'p')).status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.status === 'Unknown' && c.reason === 'DeploymentPaused';
    });
    await setVersion(ns, 'p', 'b');
    await patchDeployment(ns, 'p', { spec: { replicas: 4 } });
    await waitFor('4 pods while paused', () => activePods(ns).length === 4);
    await sleep(500);
    const paused = await setsOf(ns, 'p');
    expect(paused.map((rs) => rs.spec?.replicas)).toEqual([4]);
    const d = await getDeployment(ns, 'p');
    expect(d.status?.observedGeneration).toBe(d.metadata?.generation);

    await patchDeployment(ns, 'p', { spec: { paused: false } });
    await waitRolledOut(ns, 'p');
    const resumed = await setsOf(ns, 'p');
    expect(resumed.map((rs) => [revision(rs), rs.spec?.replicas])).toEqual([
      [1, 0],
      [2, 4],
    ]);
  });

  it('reports ProgressDeadlineExceeded when pods never become available', async () => {
    const ns = 'dep-deadline';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'stuck', { replicas: 2, progressDeadlineSeconds: 2 }));
    await waitFor('2 pods', () => activePods(ns).length === 2);
    const progressing = await getDeployment(ns, 'stuck');
    expect(progressing.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toMatch(/NewReplicaSetCreated|ReplicaSetUpdated/);
    await waitFor(
      'ProgressDeadlineExceeded',
      async () => {
        const c = (await getDeployment(ns, 'stuck')).status?.conditions?.find((x) => x.type === 'Progressing');
        return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded';
      },
      8000,
    );
    const d = await getDeployment(ns, 'stuck');
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    expect(d.status?.unavailableReplicas).toBe(2);
  });

  it('scales every active ReplicaSet in proportion mid-rollout', async () => {
    const ns = 'dep-prop';
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'prop', { replicas: 4, strategy }));
    await waitFor('4 pods', () => activePods(ns).length === 4);
    // Pods never become ready here, so the rollout to b stops at one surge pod.
    await setVersion(ns, 'prop', 'b');
    await waitFor('a surge pod', async () => (await setsOf(ns, 'prop')).map((rs) => rs.spec?.replicas).join() === '4,1');
    await patchDeployment(ns, 'prop', { spec: { replicas: 8 } });
    // 9 allowed (8 + surge 1) from 5 (max-replicas): old 4 → round(4·9/5) = 7, new gets the rest, 2.
    await waitFor('proportional sizes', async () => (await setsOf(ns, 'prop')).map((rs) => rs.spec?.replicas).join() === '7,2');
    await sleep(300);
    const sets = await setsOf(ns, 'prop');
    expect(sets.map((rs) => rs.spec?.replicas)).toEqual([7, 2]);
    for (const rs of sets) {
      expect(rs.metadata?.annotations).toMatchObject({
        'deployment.kubernetes.io/desired-replicas': '8',
        'deployment.kubernetes.io/max-replicas': '9',
      });
    }
  });

  it('passes minReadySeconds to its ReplicaSets and counts pods available only after it', async () => {
    const ns = 'dep-minready';
    await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'mr', { replicas: 2, minReadySeconds: 2 }));
    await waitFor('2 ready pods', () => activePods(ns).filter(isReady).length === 2);
    const readyAt = Date.now();
    const [rs] = await setsOf(ns, 'mr');
    expect(rs?.spec?.minReadySeconds).toBe(2);
    const early = await getDeployment(ns, 'mr');
    expect(early.status?.availableReplicas ?? 0).toBe(0);
    await waitRolledOut(ns, 'mr');
    expect(Date.now() - readyAt).toBeGreaterThanOrEqual(1000);
  });

  it('adopts an orphan ReplicaSet its selector matches and rolls it over', async () => {
    const ns = 'dep-adopt';
    const template = deployment(ns, 'orph', { replicas: 2, version: 'orphan' }).spec?.template;
    await t.client.create<ReplicaSet>(REPLICASETS, ns, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'orph-legacy', namespace: ns, labels: { app: 'orph' } },
      spec: { replicas: 2, selector: { matchLabels: { app: 'orph' } }, template },
    });
    await waitFor('2 legacy pods', () => activePods(ns).filter(isReady).length === 2);
    const d = await t.client.create<Deployment>(DEPLOYMENTS, ns, deployment(ns, 'orph', { replicas: 2 }));
    await waitRolledOut(ns, 'orph');
    const legacy = await t.client.get<ReplicaSet>(REPLICASETS, ns, 'orph-legacy');
    expect(legacy.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', uid: d.metadata?.uid, controller: true });
    expect(legacy.spec?.replicas).toBe(0);
    expect((await setsOf(ns, 'orph')).map((rs) => revision(rs))).toEqual([0, 1]);
  });

  it('records ScalingReplicaSet events and exports workqueue metrics', async () => {
    const list = await t.client.list(EVENTS, { namespace: 'dep-basic' });
    const messages = list.items.map((e) => `${String(e['reason'])}: ${String(e['message'])}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^ScalingReplicaSet: Scaled up replica set web-\w+ to 3$/)]));
    const text = await registry.metrics();
    expect(text).toMatch(/workqueue_adds_total\{name="deployment"\} [1-9]/);
    expect(text).toMatch(/workqueue_adds_total\{name="replicaset"\} [1-9]/);
    expect(text).toMatch(/workqueue_work_duration_seconds_count\{name="deployment"\} [1-9]/);
  });

  it('leaves the ReplicaSets of a deleted Deployment in place (the garbage collector, not this controller, removes them)', async () => {
    const ns = 'dep-basic';
    await t.client.delete(DEPLOYMENTS, ns, 'web');
    await sleep(300);
    const err = await t.client.get(DEPLOYMENTS, ns, 'web').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    // No garbage collector runs in this test: the ReplicaSet stays, with its dangling owner reference.
    const list = await t.client.list<ReplicaSet>(REPLICASETS, { namespace: ns });
    expect(list.items).toHaveLength(1);
  });
});
