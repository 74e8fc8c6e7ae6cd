/**
 * The node lifecycle and taint eviction controllers against a real
 * nats-server, an in-process apiserver and real informers. The test plays the
 * kubelets: it renews Leases of the nodes that are alive and lets others go
 * silent. Grace periods are 1.5 s; the eviction rate is 1 node/s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { ApiError, EVENTS, LEASES, NAMESPACES, NODES, PODS, nowTimestamp, type Event, type Lease, type Node, type Pod } from '@skiff/api';
import { EventRecorder, Informer } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import {
  DEFAULT_EVICTION_RATES,
  NodeLifecycleController,
  TaintEvictionController,
  TokenBucket,
  evictionTime,
  zoneEvictionRate,
  zoneKey,
  zoneState,
} from '../src/node-lifecycle/index.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

let t: TestApi;
let nc: NatsConnection;
let nodes: Informer<Node>;
let leases: Informer<Lease>;
let pods: Informer<Pod>;
let lifecycle: NodeLifecycleController;
let eviction: TaintEvictionController;
let heartbeat: NodeJS.Timeout;
const logger = silentLogger();
/** Nodes whose Lease the test renews. */
const alive = new Set(['nl-a', 'nl-b', 'nl-c', 'nl-d']);

function node(name: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: {
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: nowTimestamp(),
        lastTransitionTime: nowTimestamp(),
      })),
    },
  };
}

async function renew(name: string): Promise<void> {
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString() };
  const lease = await t.client.getOrUndefined<Lease>(LEASES, 'kube-node-lease', name);
  if (lease === undefined) {
    await t.client.create(LEASES, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec });
  } else await t.client.update(LEASES, { ...lease, spec });
}

function pod(name: string, nodeName: string, tolerations: NonNullable<Pod['spec']>['tolerations']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName === '' ? {} : { nodeName }), containers: [{ name: 'main', image: 'busybox' }], tolerations },
  };
}

/** Posts the node's Ready condition as its kubelet would (fresh heartbeat). */
async function setReady(name: string, status: 'True' | 'False'): Promise<void> {
  const n = await getNode(name);
  const now = nowTimestamp();
  const conditions = (n.status?.conditions ?? []).map((c) =>
    c.type === 'Ready' ? { ...c, status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: now } : c,
  );
  await t.client.patch(NODES, '', name, { status: { conditions } }, 'strategic', 'status');
}

const getNode = (name: string): Promise<Node> => t.client.get<Node>(NODES, '', name);
const taintsOf = (n: Node): string[] => (n.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort();
const deleting = async (name: string): Promise<boolean> => {
  const p = await t.client.getOrUndefined<Pod>(PODS, 'default', name);
  return p === undefined || p.metadata?.deletionTimestamp !== undefined;
};

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  try {
    await t.client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
  for (const name of alive) {
    await t.client.create(NODES, '', node(name));
    await renew(name);
  }
  heartbeat = setInterval(() => {
    for (const name of alive) renew(name).catch(() => undefined);
  }, 300);
  nodes = new Informer<Node>({ client: t.client, nc, logger, desc: NODES });
  leases = new Informer<Lease>({ client: t.client, nc, logger, desc: LEASES, namespace: 'kube-node-lease' });
  pods = new Informer<Pod>({ client: t.client, nc, logger, desc: PODS });
  lifecycle = new NodeLifecycleController({
    client: t.client,
    nodes,
    leases,
    logger,
    events: new EventRecorder(t.client, 'node-controller', logger),
    monitorPeriodMs: 200,
    gracePeriodMs: 1500,
    startupGracePeriodMs: 1500,
    rates: { evictionRate: 1 },
  });
  eviction = new TaintEvictionController({
    client: t.client,
    pods,
    nodes,
    logger,
    events: new EventRecorder(t.client, 'taint-eviction-controller', logger),
  });
  await Promise.all([nodes.start(), leases.start(), pods.start()]);
  await lifecycle.start();
  await eviction.start();
});

afterAll(async () => {
  clearInterval(heartbeat);
  await eviction?.stop();
  await lifecycle?.stop();
  await Promise.all([nodes?.stop(), leases?.stop(), pods?.stop()]);
  await nc?.close();
  await t?.stop();
});

describe('rules', () => {
  it('zone states and rates follow upstream', () => {
    const r = DEFAULT_EVICTION_RATES;
    expect(zoneState(3, 0, r.unhealthyZoneThreshold)).toBe('Normal');
    expect(zoneState(0, 2, r.unhealthyZoneThreshold)).toBe('FullDisruption');
    expect(zoneState(1, 2, r.unhealthyZoneThreshold)).toBe('Normal');
    expect(zoneState(2, 3, r.unhealthyZoneThreshold)).toBe('PartialDisruption');
    expect(zoneState(3, 3, r.unhealthyZoneThreshold)).toBe('Normal');
    expect(zoneEvictionRate('Normal', 10, r)).toBe(0.1);
    expect(zoneEvictionRate('FullDisruption', 10, r)).toBe(0.1);
    expect(zoneEvictionRate('PartialDisruption', 10, r)).toBe(0);
    expect(zoneEvictionRate('PartialDisruption', 51, r)).toBe(0.01);
    expect(zoneKey(node('x'))).toBe('');
    const zoned = node('x');
    zoned.metadata = { name: 'x', labels: { 'topology.kubernetes.io/region': 'eu', 'topology.kubernetes.io/zone': 'eu-1' } };
    expect(zoneKey(zoned)).toBe('eu:\x00:eu-1');
  });

  it('a token bucket of burst 1 allows one at once, then one per 1/qps', () => {
    const b = new TokenBucket(0.1, 1, 0);
    expect(b.take(0)).toBe(true);
    expect(b.take(9_000)).toBe(false);
    expect(b.take(10_001)).toBe(true);
    b.setRate(0, 30_000);
    expect(b.take(100_000)).toBe(false);
  });

  it('eviction time: untolerated now, forever never, else the earliest timeAdded + tolerationSeconds', () => {
    const added = '2026-01-01T00:00:00Z';
    const t0 = Date.parse(added);
    const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added }];
    expect(evictionTime(pod('p', 'n', []), taints, t0)).toEqual({ kind: 'now' });
    expect(evictionTime(pod('p', 'n', [{ operator: 'Exists' }]), taints, t0)).toEqual({ kind: 'never' });
    const seconds = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }];
    expect(evictionTime(pod('p', 'n', seconds), taints, t0 + 5000)).toEqual({ kind: 'at', atMs: t0 + 30_000 });
    expect(evictionTime(pod('p', 'n', seconds), [], t0)).toEqual({ kind: 'never' });
  });
});

describe('DefaultTolerationSeconds admission (apiserver)', () => {
  it('adds 300 s NoExecute tolerations for not-ready and unreachable unless the pod already tolerates them', async () => {
    const keys = (p: Pod): string[] =>
      (p.spec?.tolerations ?? []).map((x) => `${x.key ?? '*'}:${x.effect ?? '*'}:${x.tolerationSeconds ?? '-'}`);
    const plain = await t.client.create<Pod>(PODS, 'default', pod('adm-plain', '', undefined));
    expect(keys(plain)).toEqual(['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);
    const all = await t.client.create<Pod>(PODS, 'default', pod('adm-all', '', [{ operator: 'Exists' }]));
    expect(keys(all)).toEqual(['*:*:-']);
    const other = await t.client.create<Pod>(
      PODS,
      'default',
      pod('adm-other', '', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }]),
    );
    expect(keys(other)).toEqual([
      'node.kubernetes.io/not-ready:NoSchedule:-',
      'node.kubernetes.io/not-ready:NoExecute:300',
      'node.kubernetes.io/unreachable:NoExecute:300',
    ]);
    for (const name of ['adm-plain', 'adm-all', 'adm-other']) await t.client.delete(PODS, 'default', name, { gracePeriodSeconds: 0 });
  });
});

describe('node lifecycle', () => {
  it('a node whose Lease stops renewing goes Unknown, is tainted unreachable, and its pods go after their tolerationSeconds', async () => {
    const seconds = (s: number | undefined): NonNullable<Pod['spec']>['tolerations'] => [
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        ...(s === undefined ? {} : { tolerationSeconds: s }),
      },
    ];
    await t.client.create(PODS, 'default', pod('short', 'nl-c', seconds(1)));
    await t.client.create(PODS, 'default', pod('forever', 'nl-c', seconds(undefined)));
    await t.client.create(PODS, 'default', pod('default-300', 'nl-c', undefined));
    await t.client.create(PODS, 'default', pod('elsewhere', 'nl-a', seconds(1)));
    alive.delete('nl-c');
    const down = await waitFor(
      'nl-c Unknown with the unreachable taints',
      async () => {
        const n = await getNode('nl-c');
        return taintsOf(n).includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
      },
      10_000,
    );
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(down.status?.conditions?.find((c) => c.type === type)).toMatchObject({
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
      });
    }
    expect(taintsOf(down)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const taintAdded = Date.parse(down.spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded ?? '');
    expect(Number.isNaN(taintAdded)).toBe(false);
    await waitFor('the 1 s pod deleted', () => deleting('short'), 5000);
    expect(Date.now() - taintAdded).toBeGreaterThanOrEqual(900);
    expect(await deleting('forever')).toBe(false);
    expect(await deleting('default-300')).toBe(false);
    expect(await deleting('elsewhere')).toBe(false);
    expect(eviction.pending().has('default/default-300')).toBe(true);
    const events = await t.client.list<Event>(EVENTS, { namespace: 'default' });
    expect(events.items.some((e) => e.reason === 'NodeNotReady' && e.involvedObject.name === 'nl-c')).toBe(true);
    expect(events.items.some((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === 'short')).toBe(true);
  });

  it('a node back to Ready loses the taints and pending evictions are cancelled', async () => {
    alive.add('nl-c');
    await t.client.patch(NODES, '', 'nl-c', { status: { conditions: node('nl-c').status?.conditions } }, 'strategic', 'status');
    await waitFor('nl-c untainted', async () => taintsOf(await getNode('nl-c')).length === 0, 5000);
    await waitFor('eviction cancelled', () => !eviction.pending().has('default/default-300'), 5000);
    expect(await deleting('default-300')).toBe(false);
  });

  it('Ready=False gives the not-ready taints; an untolerated NoExecute taint evicts at once', async () => {
    await setReady('nl-d', 'False');
    await waitFor(
      'nl-d tainted not-ready',
      async () =>
        taintsOf(await getNode('nl-d')).join() === 'node.kubernetes.io/not-ready:NoExecute,node.kubernetes.io/not-ready:NoSchedule',
      5000,
    );
    await t.client.create(PODS, 'default', pod('intolerant', 'nl-b', undefined));
    await t.client.patch(NODES, '', 'nl-b', { spec: { taints: [{ key: 'example.com/drain', effect: 'NoExecute' }] } }, 'merge');
    await waitFor('the intolerant pod deleted', () => deleting('intolerant'), 5000);
  });

  it('taints NoExecute at the zone rate (a second node waits for the next token) and stops in a partially disrupted small zone', async () => {
    await setReady('nl-d', 'True');
    await waitFor('nl-d untainted', async () => taintsOf(await getNode('nl-d')).length === 0, 5000);
    alive.delete('nl-a');
    alive.delete('nl-c');
    const times = await waitFor(
      'both tainted',
      async () => {
        const got = await Promise.all(['nl-a', 'nl-c'].map(getNode));
        const added = got.map((n) => Date.parse(n.spec?.taints?.find((x) => x.effect === 'NoExecute')?.timeAdded ?? ''));
        return added.every((x) => !Number.isNaN(x)) ? added : undefined;
      },
      15_000,
    );
    expect(Math.abs((times[0] ?? 0) - (times[1] ?? 0))).toBeGreaterThanOrEqual(800);
    expect(lifecycle.zones().get('')).toBe('Normal');
    // A third of four not Ready: partial disruption in a zone of at most 50 nodes, so no more NoExecute taints.
    await setReady('nl-d', 'False');
    await waitFor('partial disruption', () => lifecycle.zones().get('') === 'PartialDisruption', 5000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(taintsOf(await getNode('nl-d'))).toEqual(['node.kubernetes.io/not-ready:NoSchedule']);
  });
});
