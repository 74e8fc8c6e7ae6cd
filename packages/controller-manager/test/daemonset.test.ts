/**
 * The DaemonSet controller against a real nats-server, an in-process
 * apiserver and real informers, with no kubelet: the test plays the kubelets
 * (marks pods Ready, finishes graceful deletions). A watcher informer checks
 * at every pod event that no node ever runs two live pods of a DaemonSet and
 * that a rolling update never has more nodes unavailable than maxUnavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import {
  ApiError,
  DAEMONSETS,
  NAMESPACES,
  NODES,
  PODS,
  nowTimestamp,
  type DaemonSet,
  type Namespace,
  type Node,
  type Pod,
} from '@skiff/api';
import { Informer } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  DaemonSetController,
  POD_TEMPLATE_GENERATION_LABEL,
  newDaemonPod,
  nodeShouldRunDaemonPod,
  podFitsNodeAffinity,
} from '../src/daemonset/index.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

let t: TestApi;
let nc: NatsConnection;
let pods: Informer<Pod>;
let nodes: Informer<Node>;
let daemonSets: Informer<DaemonSet>;
let watcher: Informer<Pod>;
let controller: DaemonSetController;
const logger = silentLogger();
const NS = 'ds-test';
/** Violations the watcher saw: a node with two live pods of one DaemonSet. */
const doubles: string[] = [];

function node(name: string, labels: Record<string, string> = {}, taints: NonNullable<Node['spec']>['taints'] = undefined): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: taints === undefined ? {} : { taints },
    status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: nowTimestamp() }] },
  };
}

function daemonSet(
  name: string,
  extra: Partial<NonNullable<DaemonSet['spec']>> = {},
  podSpec: Partial<NonNullable<Pod['spec']>> = {},
): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }], ...podSpec },
      },
      ...extra,
    },
  };
}

function live(name: string): Pod[] {
  return watcher.list().filter((p) => p.metadata?.labels?.['app'] === name && p.metadata.deletionTimestamp === undefined);
}

/** Plays the kubelets: every bound pod becomes Ready; a pod being deleted is removed. */
function kubelet(): void {
  const act = (p: Pod): void => {
    if (p.metadata?.namespace !== NS) return;
    const name = p.metadata.name ?? '';
    if (p.metadata.deletionTimestamp !== undefined) {
      t.client.delete(PODS, NS, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
    } else if (p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') {
      const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowTimestamp() }] };
      t.client.patch(PODS, NS, name, { status }, 'merge', 'status').catch(() => undefined);
    }
  };
  watcher.addHandlers({ onAdd: act, onUpdate: (_o, p) => act(p) });
}

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  await t.client.create<Namespace>(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await t.client.create(NODES, '', node('ds-a', { disk: 'ssd' }));
  await t.client.create(NODES, '', node('ds-b', { disk: 'ssd' }));
  await t.client.create(NODES, '', node('ds-c', { disk: 'hdd' }));
  await t.client.create(NODES, '', node('ds-tainted', { disk: 'ssd' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]));
  pods = new Informer<Pod>({ client: t.client, nc, logger, desc: PODS });
  nodes = new Informer<Node>({ client: t.client, nc, logger, desc: NODES });
  daemonSets = new Informer<DaemonSet>({ client: t.client, nc, logger, desc: DAEMONSETS });
  watcher = new Informer<Pod>({ client: t.client, nc, logger, desc: PODS });
  watcher.addHandlers({
    onAdd: (p) => {
      const app = p.metadata?.labels?.['app'] ?? '';
      const node = p.spec?.nodeName;
      if (live(app).filter((o) => o.spec?.nodeName === node).length > 1) doubles.push(`${app}@${node ?? ''}`);
    },
  });
  kubelet();
  controller = new DaemonSetController({ client: t.client, pods, nodes, daemonSets, logger, metrics: new Registry(), events: null });
  await Promise.all([pods.start(), nodes.start(), daemonSets.start(), watcher.start()]);
  controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await Promise.all([pods?.stop(), nodes?.stop(), daemonSets?.stop(), watcher?.stop()]);
  await nc?.close();
  await t?.stop();
});

describe('eligibility', () => {
  it('follows nodeSelector, required affinity (labels and matchFields) and taints with the daemon tolerations', () => {
    const ds = daemonSet('e', {}, { nodeSelector: { disk: 'ssd' } });
    expect(nodeShouldRunDaemonPod(ds, node('n', { disk: 'ssd' }))).toEqual({ shouldRun: true, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(ds, node('n', { disk: 'hdd' }))).toEqual({ shouldRun: false, shouldContinueRunning: false });
    // An untolerated NoSchedule taint: no new pod, a running one stays; NoExecute: neither.
    const noSchedule = node('n', { disk: 'ssd' }, [{ key: 'x', effect: 'NoSchedule' }]);
    expect(nodeShouldRunDaemonPod(ds, noSchedule)).toEqual({ shouldRun: false, shouldContinueRunning: true });
    const noExecute = node('n', { disk: 'ssd' }, [{ key: 'x', effect: 'NoExecute' }]);
    expect(nodeShouldRunDaemonPod(ds, noExecute)).toEqual({ shouldRun: false, shouldContinueRunning: false });
    // The daemon tolerations cover the node controller's taints.
    const failing = node('n', { disk: 'ssd' }, [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
    ]);
    expect(nodeShouldRunDaemonPod(ds, failing)).toEqual({ shouldRun: false, shouldContinueRunning: true });
    const tolerant = daemonSet('e', {}, { tolerations: [{ operator: 'Exists' }] });
    expect(nodeShouldRunDaemonPod(tolerant, failing).shouldRun).toBe(true);
    const affinity = daemonSet(
      'e',
      {},
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['hdd'] }] },
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] },
              ],
            },
          },
        },
      },
    );
    expect(nodeShouldRunDaemonPod(affinity, node('n', { disk: 'ssd' })).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(affinity, node('n', { disk: 'hdd' })).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(affinity, node('special', { disk: 'hdd' })).shouldRun).toBe(true);
  });

  it('makes pods bound to their node, pinned by a matchFields term, with the labels and tolerations upstream adds', () => {
    const ds = daemonSet(
      'p',
      {},
      { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] },
    );
    ds.metadata = { ...ds.metadata, uid: 'u1', generation: 3 };
    const pod = newDaemonPod(ds, 'node-7', 'abc');
    expect(pod.spec?.nodeName).toBe('node-7');
    expect(pod.metadata?.labels).toMatchObject({ app: 'p', [CONTROLLER_REVISION_HASH_LABEL]: 'abc', [POD_TEMPLATE_GENERATION_LABEL]: '3' });
    expect(pod.metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'p', uid: 'u1', controller: true, blockOwnerDeletion: true },
    ]);
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] },
    ]);
    expect(podFitsNodeAffinity(pod, node('node-7'))).toBe(true);
    expect(podFitsNodeAffinity(pod, node('node-8'))).toBe(false);
    const keys = (pod.spec?.tolerations ?? []).map((t) => `${t.key ?? ''}:${t.effect ?? ''}:${t.tolerationSeconds ?? 'forever'}`);
    expect(keys.sort()).toEqual(
      [
        'node.kubernetes.io/not-ready:NoExecute:forever',
        'node.kubernetes.io/unreachable:NoExecute:forever',
        'node.kubernetes.io/disk-pressure:NoSchedule:forever',
        'node.kubernetes.io/memory-pressure:NoSchedule:forever',
        'node.kubernetes.io/pid-pressure:NoSchedule:forever',
        'node.kubernetes.io/unschedulable:NoSchedule:forever',
      ].sort(),
    );
  });
});

async function getDS(name: string): Promise<DaemonSet> {
  return t.client.get<DaemonSet>(DAEMONSETS, NS, name);
}

async function patchDS(name: string, patch: object): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.client.patch(DAEMONSETS, NS, name, patch, 'merge');
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 10) throw err;
    }
  }
}

describe('DaemonSet controller', () => {
  it('runs exactly one pod on every eligible node and reports it in status', async () => {
    await t.client.create(DAEMONSETS, NS, daemonSet('agent', {}, { nodeSelector: { disk: 'ssd' } }));
    const ds = await waitFor('status to count 2 ready', async () => {
      const d = await getDS('agent');
      return d.status?.numberReady === 2 && d.status.numberAvailable === 2 && d.status.updatedNumberScheduled === 2 ? d : undefined;
    });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, observedGeneration: 1 });
    expect(
      live('agent')
        .map((p) => p.spec?.nodeName)
        .sort(),
    ).toEqual(['ds-a', 'ds-b']);
    // Nothing more comes later.
    await new Promise((r) => setTimeout(r, 500));
    expect(live('agent')).toHaveLength(2);
  });

  it('follows node changes: a newly eligible node gets a pod, a node that stops matching loses it', async () => {
    await t.client.patch(NODES, '', 'ds-c', { metadata: { labels: { disk: 'ssd' } } }, 'merge');
    await waitFor('a pod on ds-c', () => live('agent').some((p) => p.spec?.nodeName === 'ds-c'));
    await t.client.patch(NODES, '', 'ds-a', { metadata: { labels: { disk: 'hdd' } } }, 'merge');
    await waitFor('the pod on ds-a gone', () => !live('agent').some((p) => p.spec?.nodeName === 'ds-a'));
    await waitFor('status of 2 desired', async () => (await getDS('agent')).status?.desiredNumberScheduled === 2);
    // An untolerated NoSchedule taint keeps the running pod.
    await t.client.patch(NODES, '', 'ds-c', { spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } }, 'merge');
    await new Promise((r) => setTimeout(r, 500));
    expect(live('agent').some((p) => p.spec?.nodeName === 'ds-c')).toBe(true);
    await t.client.patch(NODES, '', 'ds-c', { spec: { taints: null } }, 'merge');
  });

  it('rolls to a new template one node at a time (maxUnavailable 1) and never runs two pods on a node', async () => {
    await t.client.create(NODES, '', node('ds-d', { disk: 'ssd' }));
    await t.client.create(DAEMONSETS, NS, daemonSet('roll'));
    // Every node without an untolerated taint: ds-a, ds-b, ds-c, ds-d.
    await waitFor('4 ready', async () => (await getDS('roll')).status?.numberAvailable === 4, 20_000);
    let worst = 0;
    const check = (): void => {
      const ready = live('roll').filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      worst = Math.max(worst, 4 - ready.length);
    };
    watcher.addHandlers({ onAdd: check, onUpdate: check, onDelete: check });
    const before = (await getDS('roll')).metadata?.generation ?? 0;
    await patchDS('roll', { spec: { template: { metadata: { labels: { app: 'roll', version: 'two' } } } } });
    const done = await waitFor(
      'the rollout to finish',
      async () => {
        const d = await getDS('roll');
        const s = d.status;
        return (d.metadata?.generation ?? 0) > before &&
          s?.observedGeneration === d.metadata?.generation &&
          s?.updatedNumberScheduled === 4 &&
          s.numberAvailable === 4
          ? d
          : undefined;
      },
      30_000,
    );
    expect(done.status?.desiredNumberScheduled).toBe(4);
    expect(live('roll').every((p) => p.metadata?.labels?.['version'] === 'two')).toBe(true);
    expect(live('roll')).toHaveLength(4);
    expect(worst).toBeLessThanOrEqual(1);
    expect(doubles).toEqual([]);
  });

  it('OnDelete replaces a pod only when it is deleted', async () => {
    await t.client.create(
      DAEMONSETS,
      NS,
      daemonSet('ondelete', { updateStrategy: { type: 'OnDelete' } }, { nodeSelector: { disk: 'ssd' } }),
    );
    await waitFor('pods ready', async () => (await getDS('ondelete')).status?.numberAvailable === 3);
    await patchDS('ondelete', { spec: { template: { metadata: { labels: { app: 'ondelete', version: 'two' } } } } });
    await waitFor('the new generation observed', async () => {
      const d = await getDS('ondelete');
      return d.status?.observedGeneration === d.metadata?.generation && d.status?.updatedNumberScheduled === 0;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(live('ondelete').filter((p) => p.metadata?.labels?.['version'] === 'two')).toHaveLength(0);
    const [victim] = live('ondelete');
    await t.client.delete(PODS, NS, victim?.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await waitFor('one updated pod', async () => (await getDS('ondelete')).status?.updatedNumberScheduled === 1);
    expect(live('ondelete')).toHaveLength(3);
  });
});
