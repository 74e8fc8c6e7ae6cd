// Workloads of the scheduler bench beyond SchedulingBasic, shaped after upstream
// scheduler_perf's (test/integration/scheduler_perf/*/performance-config.yaml):
// the same node and pod counts, node labels, taints and pod templates, and
// upstream's CI threshold (pods/s, kube-scheduler on its CI machines) beside
// each for scale. Every workload: nodes, `initial` pods bound on create, then
// `pods` pending pods measured; pods request 100m / 500Mi as upstream's do.
import { NAMESPACES } from '@skiff/api';
import { nodeObject, podObject } from './cluster.mjs';

const ALLOCATABLE = { cpu: '4', memory: '32Gi', pods: '110' };
const REQUESTS = { cpu: '100m', memory: '500Mi' };
const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

/** A node with extra labels and taints. */
function node(i, { labels = {}, taints } = {}) {
  const [desc, ns, object] = nodeObject(`node-${i}`, ALLOCATABLE);
  Object.assign(object.metadata.labels, labels);
  if (taints !== undefined) object.spec.taints = taints;
  return [desc, ns, object];
}

/** A pod with labels and extra spec fields, bound to `nodeName` when given. */
function pod(namespace, name, { labels, spec = {} } = {}, nodeName) {
  const [desc, ns, object] = podObject(namespace, name, REQUESTS, nodeName);
  if (labels !== undefined) object.metadata.labels = labels;
  Object.assign(object.spec, spec);
  return [desc, ns, object];
}

/** A Namespace object for createObjects. */
export function namespaceObject(name) {
  return [NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }];
}

const nodeAffinity = {
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone1', 'zone2'] }] }],
      },
    },
  },
};

const antiAffinity = {
  labels: { color: 'green' },
  spec: {
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { color: 'green' } }, topologyKey: HOST, namespaces: ['sched-1', 'sched-0'] },
        ],
      },
    },
  },
};

const spreading = {
  labels: { color: 'blue' },
  spec: {
    topologySpreadConstraints: [
      { maxSkew: 5, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } },
    ],
  },
};

const MOONS = ['moon-1', 'moon-2', 'moon-3'];

/**
 * The variants by short name. `node(i)`, `initialPod(i, nodeName)` and `pod(i)` return
 * [descriptor, namespace, object] for createObjects; `namespaces` are created first.
 */
export const VARIANTS = {
  'node-affinity': {
    name: 'SchedulingNodeAffinity',
    upstream: { threshold: 220, workload: 'affinity/SchedulingNodeAffinity 5000Nodes_10000Pods' },
    nodes: 5000,
    initial: 5000,
    pods: 10000,
    namespaces: [],
    node: (i) => node(i, { labels: { [ZONE]: 'zone1' } }),
    initialPod: (i, nodeName) => pod('default', `initial-${i}`, { spec: nodeAffinity }, nodeName),
    pod: (i) => pod('default', `pod-${i}`, { spec: nodeAffinity }),
  },
  taints: {
    name: 'SchedulingTaints',
    // No upstream workload taints nodes without a spread constraint; the nearest is
    // SchedulingWithNodeInclusionPolicy (the same tainted nodes, 4000 spread pods), threshold 270.
    upstream: { threshold: undefined, workload: 'none (nearest: SchedulingWithNodeInclusionPolicy, 270)' },
    nodes: 5000,
    initial: 1000,
    pods: 10000,
    namespaces: [],
    // One node in five carries upstream's node-with-taint taint (NoSchedule foo), which the pods do not tolerate.
    node: (i) => node(i, i % 5 === 4 ? { taints: [{ key: 'foo', effect: 'NoSchedule' }] } : {}),
    initialPod: (i, nodeName) => pod('default', `initial-${i}`, {}, nodeName),
    pod: (i) => pod('default', `pod-${i}`),
    initialNode: (i, nodes) => `node-${(Math.floor(i / 4) * 5 + (i % 4)) % nodes}`,
  },
  'anti-affinity': {
    name: 'SchedulingPodAntiAffinity',
    upstream: { threshold: 60, workload: 'affinity/SchedulingPodAntiAffinity 5000Nodes_2000Pods' },
    nodes: 5000,
    initial: 1000,
    pods: 2000,
    namespaces: ['sched-0', 'sched-1'],
    node: (i) => node(i),
    initialPod: (i, nodeName) => pod('sched-0', `initial-${i}`, antiAffinity, nodeName),
    pod: (i) => pod('sched-1', `pod-${i}`, antiAffinity),
  },
  'topology-spread': {
    name: 'TopologySpreading',
    upstream: { threshold: 460, workload: 'topology_spreading/TopologySpreading 5000Nodes_5000Pods' },
    nodes: 5000,
    initial: 5000,
    pods: 5000,
    namespaces: [],
    node: (i) => node(i, { labels: { [ZONE]: MOONS[i % MOONS.length] } }),
    initialPod: (i, nodeName) => pod('default', `initial-${i}`, {}, nodeName),
    pod: (i) => pod('default', `pod-${i}`, spreading),
  },
};
