/**
 * StateMetrics against a real nats-server, an in-process apiserver and real
 * informers: nodes and pods are written through the API, and the values are
 * read back from the registry's text exposition, exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { NAMESPACES, NODES, PODS, type Container, type Namespace, type Node, type Pod, type PodStatus } from '@skiff/api';
import { Informer } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { StateMetrics } from '../src/state-metrics/index.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const NS = 'capacity';

let t: TestApi;
let nc: NatsConnection;
let pods: Informer<Pod>;
let nodes: Informer<Node>;
let registry: Registry;

function node(
  name: string,
  allocatable: Record<string, string>,
  extra: { capacity?: Record<string, string>; unschedulable?: boolean } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: extra.unschedulable === true ? { unschedulable: true } : {},
    status: { allocatable, capacity: extra.capacity ?? allocatable },
  };
}

function container(name: string, requests?: Record<string, string>, limits?: Record<string, string>): Container {
  return {
    name,
    image: 'busybox',
    command: ['sleep', '3600'],
    resources: { ...(requests === undefined ? {} : { requests }), ...(limits === undefined ? {} : { limits }) },
  };
}

async function createPod(name: string, nodeName: string | undefined, containers: Container[], status?: PodStatus): Promise<void> {
  const created = await t.client.create<Pod>(PODS, NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { containers, ...(nodeName === undefined ? {} : { nodeName }) },
  });
  if (status !== undefined) await t.client.updateStatus<Pod>(PODS, { ...created, status });
}

function running(scheduled: string, started: string, ready: string): PodStatus {
  return {
    phase: 'Running',
    startTime: started,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: scheduled },
      { type: 'Ready', status: 'True', lastTransitionTime: ready },
    ],
  };
}

/** The registry's samples as `name{label="value",...}` (labels sorted) → value. */
async function samples(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** A series key as samples() writes it. */
function key(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return `${name}{${parts.join(',')}}`;
}

function series(all: Map<string, number>, name: string): Record<string, number> {
  return Object.fromEntries([...all].filter(([k]) => k.startsWith(`${name}{`)));
}

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  await t.client.create(
    NODES,
    '',
    node('big', { cpu: '4', memory: '8Gi', pods: '110' }, { capacity: { cpu: '4', memory: '9Gi', pods: '110' } }),
  );
  await t.client.create(NODES, '', node('tight', { cpu: '1', memory: '1Gi', pods: '110', 'ephemeral-storage': '10Gi' }));
  await t.client.create(NODES, '', node('cordoned', { cpu: '2', memory: '2Gi', pods: '110' }, { unschedulable: true }));
  await t.client.create(NODES, '', node('full', { cpu: '2', memory: '2Gi', pods: '1' }));
  await t.client.create<Namespace>(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });

  // big: 1500m + 500m requested by live pods; the Succeeded pod no longer counts.
  await createPod(
    'web',
    'big',
    [container('app', { cpu: '1', memory: '1Gi' }, { cpu: '2', memory: '2Gi' }), container('sidecar', { cpu: '500m', memory: '512Mi' })],
    running('2024-05-01T10:00:00Z', '2024-05-01T10:00:02Z', '2024-05-01T10:00:05Z'),
  );
  await createPod('batch', 'big', [container('job', { cpu: '500m', memory: '512Mi' })], {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-05-01T11:00:00Z' }],
  });
  await createPod('done', 'big', [container('job', { cpu: '1', memory: '1Gi' })], {
    phase: 'Succeeded',
    startTime: '2024-05-01T09:00:00Z',
  });
  // tight: 950m of 1 cpu taken, 768Mi of memory left: the 100m/200Mi reference pod does not fit.
  await createPod('hog', 'tight', [container('app', { cpu: '950m', memory: '256Mi', 'ephemeral-storage': '1Gi' })], {
    phase: 'Running',
  });
  // full: its only pod slot is taken by a pod that requests nothing.
  await createPod('idle', 'full', [container('app')], { phase: 'Running' });
  // Not bound yet.
  await createPod('waiting', undefined, [container('app', { cpu: '250m', memory: '64Mi' }, { cpu: '250m', memory: '64Mi' })]);

  pods = new Informer<Pod>({ client: t.client, nc, logger: silentLogger(), desc: PODS });
  nodes = new Informer<Node>({ client: t.client, nc, logger: silentLogger(), desc: NODES });
  await Promise.all([pods.start(), nodes.start()]);
  registry = new Registry();
  new StateMetrics({ pods, nodes, metrics: registry });
});

afterAll(async () => {
  await pods?.stop();
  await nodes?.stop();
  await t?.stop();
});

describe('StateMetrics', () => {
  it('reports container requests and limits per container, in KSM units, with the node', async () => {
    const all = await samples();
    const c = (pod: string, container: string, node: string, resource: string, unit: string): Record<string, string> => ({
      namespace: NS,
      pod,
      container,
      node,
      resource,
      unit,
    });
    expect(series(all, 'kube_pod_container_resource_requests')).toEqual({
      [key('kube_pod_container_resource_requests', c('web', 'app', 'big', 'cpu', 'core'))]: 1,
      [key('kube_pod_container_resource_requests', c('web', 'app', 'big', 'memory', 'byte'))]: GiB,
      [key('kube_pod_container_resource_requests', c('web', 'sidecar', 'big', 'cpu', 'core'))]: 0.5,
      [key('kube_pod_container_resource_requests', c('web', 'sidecar', 'big', 'memory', 'byte'))]: 512 * MiB,
      [key('kube_pod_container_resource_requests', c('batch', 'job', 'big', 'cpu', 'core'))]: 0.5,
      [key('kube_pod_container_resource_requests', c('batch', 'job', 'big', 'memory', 'byte'))]: 512 * MiB,
      [key('kube_pod_container_resource_requests', c('done', 'job', 'big', 'cpu', 'core'))]: 1,
      [key('kube_pod_container_resource_requests', c('done', 'job', 'big', 'memory', 'byte'))]: GiB,
      [key('kube_pod_container_resource_requests', c('hog', 'app', 'tight', 'cpu', 'core'))]: 0.95,
      [key('kube_pod_container_resource_requests', c('hog', 'app', 'tight', 'memory', 'byte'))]: 256 * MiB,
      [key('kube_pod_container_resource_requests', c('hog', 'app', 'tight', 'ephemeral_storage', 'byte'))]: GiB,
      [key('kube_pod_container_resource_requests', c('waiting', 'app', '', 'cpu', 'core'))]: 0.25,
      [key('kube_pod_container_resource_requests', c('waiting', 'app', '', 'memory', 'byte'))]: 64 * MiB,
    });
    expect(series(all, 'kube_pod_container_resource_limits')).toEqual({
      [key('kube_pod_container_resource_limits', c('web', 'app', 'big', 'cpu', 'core'))]: 2,
      [key('kube_pod_container_resource_limits', c('web', 'app', 'big', 'memory', 'byte'))]: 2 * GiB,
      [key('kube_pod_container_resource_limits', c('waiting', 'app', '', 'cpu', 'core'))]: 0.25,
      [key('kube_pod_container_resource_limits', c('waiting', 'app', '', 'memory', 'byte'))]: 64 * MiB,
    });
  });

  it('reports node allocatable and capacity per resource', async () => {
    const all = await samples();
    const n = (node: string, resource: string, unit: string): Record<string, string> => ({ node, resource, unit });
    expect(all.get(key('kube_node_status_allocatable', n('big', 'cpu', 'core')))).toBe(4);
    expect(all.get(key('kube_node_status_allocatable', n('big', 'memory', 'byte')))).toBe(8 * GiB);
    expect(all.get(key('kube_node_status_allocatable', n('big', 'pods', 'integer')))).toBe(110);
    expect(all.get(key('kube_node_status_capacity', n('big', 'memory', 'byte')))).toBe(9 * GiB);
    expect(all.get(key('kube_node_status_allocatable', n('tight', 'ephemeral_storage', 'byte')))).toBe(10 * GiB);
    expect(Object.keys(series(all, 'kube_node_status_allocatable'))).toHaveLength(13);
    expect(Object.keys(series(all, 'kube_node_status_capacity'))).toHaveLength(13);
  });

  it('reports every phase of every pod, 1 for the current one', async () => {
    const all = await samples();
    const phases = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'];
    const expected: Record<string, number> = {};
    const current: Record<string, string> = {
      web: 'Running',
      batch: 'Pending',
      done: 'Succeeded',
      hog: 'Running',
      idle: 'Running',
      waiting: 'Pending',
    };
    for (const [pod, phase] of Object.entries(current)) {
      for (const p of phases) expected[key('kube_pod_status_phase', { namespace: NS, pod, phase: p })] = p === phase ? 1 : 0;
    }
    expect(series(all, 'kube_pod_status_phase')).toEqual(expected);
  });

  it('reports scheduled, start and ready times in unix seconds, only once they happened', async () => {
    const all = await samples();
    const s = (iso: string): number => Date.parse(iso) / 1000;
    expect(series(all, 'kube_pod_status_scheduled_time')).toEqual({
      [key('kube_pod_status_scheduled_time', { namespace: NS, pod: 'web' })]: s('2024-05-01T10:00:00Z'),
      [key('kube_pod_status_scheduled_time', { namespace: NS, pod: 'batch' })]: s('2024-05-01T11:00:00Z'),
    });
    expect(series(all, 'kube_pod_start_time')).toEqual({
      [key('kube_pod_start_time', { namespace: NS, pod: 'web' })]: s('2024-05-01T10:00:02Z'),
      [key('kube_pod_start_time', { namespace: NS, pod: 'done' })]: s('2024-05-01T09:00:00Z'),
    });
    expect(series(all, 'kube_pod_status_ready_time')).toEqual({
      [key('kube_pod_status_ready_time', { namespace: NS, pod: 'web' })]: s('2024-05-01T10:00:05Z'),
    });
  });

  it('reports the largest pod that still fits on each node', async () => {
    const all = await samples();
    const f = (node: string, resource: string): string => key('skiff_node_largest_fitting_pod', { node, resource });
    expect(series(all, 'skiff_node_largest_fitting_pod')).toEqual({
      // 4 cores - (1 + 0.5 + 0.5); 8Gi - (1Gi + 512Mi + 512Mi). The Succeeded pod does not count.
      [f('big', 'cpu')]: 2,
      [f('big', 'memory')]: 6 * GiB,
      [f('tight', 'cpu')]: 0.05,
      [f('tight', 'memory')]: 768 * MiB,
      [f('cordoned', 'cpu')]: 0,
      [f('cordoned', 'memory')]: 0,
      [f('full', 'cpu')]: 0,
      [f('full', 'memory')]: 0,
    });
  });

  it('reports as stranded the free capacity of schedulable nodes the reference pod does not fit', async () => {
    const all = await samples();
    const f = (node: string, resource: string): string => key('skiff_node_stranded_capacity', { node, resource });
    expect(series(all, 'skiff_node_stranded_capacity')).toEqual({
      [f('big', 'cpu')]: 0,
      [f('big', 'memory')]: 0,
      // 50m of cpu left, below the reference pod's 100m: the 768Mi of memory are stranded with it.
      [f('tight', 'cpu')]: 0.05,
      [f('tight', 'memory')]: 768 * MiB,
      [f('cordoned', 'cpu')]: 0,
      [f('cordoned', 'memory')]: 0,
      // No pod slot left: all its cpu and memory are stranded.
      [f('full', 'cpu')]: 2,
      [f('full', 'memory')]: 2 * GiB,
    });
  });

  it('measures stranded capacity against the reference pod shape it is given', async () => {
    const other = new Registry();
    new StateMetrics({ pods, nodes, metrics: other, referencePod: { milliCpu: 3000, memoryBytes: GiB } });
    const text = await other.metrics();
    expect(text).toContain(
      'Free cpu (cores) or memory (bytes) on a schedulable node where a pod of the reference shape (3 cpu, 1Gi memory)',
    );
    // big has 2 cores free, below 3: its 2 cores and 6Gi are stranded for such pods.
    expect(text).toContain('skiff_node_stranded_capacity{node="big",resource="cpu"} 2\n');
    expect(text).toContain(`skiff_node_stranded_capacity{node="big",resource="memory"} ${6 * GiB}\n`);
  });

  it('follows changes: a deleted pod leaves every series and frees its node', async () => {
    await t.client.delete(PODS, NS, 'hog', { gracePeriodSeconds: 0 });
    await until('the informer to drop the pod', () => pods.get(`${NS}/hog`) === undefined);
    const all = await samples();
    expect([...all.keys()].filter((k) => k.includes('pod="hog"'))).toEqual([]);
    expect(all.get(key('skiff_node_largest_fitting_pod', { node: 'tight', resource: 'cpu' }))).toBe(1);
    expect(all.get(key('skiff_node_stranded_capacity', { node: 'tight', resource: 'memory' }))).toBe(0);
  });
});
