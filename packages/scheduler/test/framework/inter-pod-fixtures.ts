/** Nodes, pods and a framework over the default profile for the inter-pod plugin tests. */
import type { Node, Pod } from '@skiff/api';
import { ClusterState, createSchedulerCore, defaultProfiles, Framework, NO_CLUSTER_OBJECTS, type ClusterObjects } from '@skiff/scheduler';

type Spec = Partial<NonNullable<Pod['spec']>>;
type Taints = NonNullable<NonNullable<Node['spec']>['taints']>;

/** A node labelled with its hostname and, when given, a zone. */
export function zonedNode(name: string, zone?: string, extra: { labels?: Record<string, string>; taints?: Taints } = {}): Node {
  return {
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, ...(zone === undefined ? {} : { 'topology.kubernetes.io/zone': zone }), ...extra.labels },
    },
    spec: { taints: extra.taints ?? [] },
    status: { allocatable: { cpu: '8', memory: '16Gi', pods: '110' } },
  };
}

/** A pod with labels in a namespace (default `default`), bound to `nodeName` when given. */
export function labelledPod(name: string, labels: Record<string, string>, spec: Spec = {}, namespace = 'default'): Pod {
  return {
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'c', image: 'app', resources: { requests: { cpu: '100m', memory: '128Mi' } } }], ...spec },
    status: { phase: 'Pending' },
  };
}

/** A cluster state with the nodes, and the default profile's framework over it (TypeScript core). */
export function inCluster(nodes: Node[], objects: ClusterObjects = NO_CLUSTER_OBJECTS): { state: ClusterState; framework: Framework } {
  const state = new ClusterState(createSchedulerCore('ts'));
  for (const n of nodes) state.upsertNode(n);
  const framework = new Framework({
    profile: defaultProfiles()[0]!,
    nodes: state.nodes,
    core: state.core,
    objects,
    bind: () => Promise.resolve(),
  });
  return { state, framework };
}

/** Binds a pod to a node in the cluster state (as the informer would report it). */
export function bound(state: ClusterState, pod: Pod, nodeName: string): Pod {
  const placed = { ...pod, spec: { ...pod.spec!, nodeName }, status: { phase: 'Running' } };
  state.observePod(placed);
  return placed;
}

/** Schedules the pod; on success assumes it on the node (as the scheduler does) and returns the node name. */
export function scheduleAndAssume(state: ClusterState, framework: Framework, pod: Pod): string {
  const r = framework.schedulePod(pod);
  if (r.kind !== 'scheduled') return `unschedulable: ${r.message}`;
  state.assume(pod, r.nodeName);
  return r.nodeName;
}
