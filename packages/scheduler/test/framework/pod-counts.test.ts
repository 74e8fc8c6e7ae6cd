/**
 * The node store's incremental pod counts (PodCountRegistry) against a count from scratch:
 * PodTopologySpread's and InterPodAffinity's PreFilter states built from them must equal the
 * ones built by testing every placed pod, after assume/forget, deletes, pod and node relabels,
 * node removal and pods that arrive before their node.
 */
import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
// From the sources (not the package entry) so the store's type is the one the functions below take.
import { ClusterState } from '../../src/cluster-state.js';
import { createSchedulerCore } from '../../src/core/index.js';
import { NO_CLUSTER_OBJECTS, type ClusterObjects } from '../../src/framework/cluster-objects.js';
import { podConstraints, SYSTEM_DEFAULT_CONSTRAINTS } from '../../src/plugins/pod-topology-spread/constraints.js';
import { spreadFilterState, spreadFilterStateFromScratch } from '../../src/plugins/pod-topology-spread/filtering.js';
import { spreadScore, spreadScoreState } from '../../src/plugins/pod-topology-spread/scoring.js';
import {
  preFilterState,
  preFilterStateFromScratch,
  satisfiesExistingPodsAntiAffinity,
  satisfiesPodAntiAffinity,
} from '../../src/plugins/inter-pod-affinity/filtering.js';
import type { TopologyCounts } from '../../src/plugins/inter-pod-affinity/terms.js';
import { labelledPod, zonedNode } from './inter-pod-fixtures.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

/** A map without its zero entries, sorted, for comparing. */
function plain(m: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...m].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b));
}

function plainTopology(c: TopologyCounts): Array<[string, Array<[string, number]>]> {
  return [...c]
    .map(([k, m]): [string, Array<[string, number]>] => [k, plain(m)])
    .filter(([, m]) => m.length > 0)
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Positive counts only matter for affinity (a domain has matching pods or not). */
function presence(c: TopologyCounts): Array<[string, string[]]> {
  return plainTopology(c).map(([k, m]) => [k, m.map(([v]) => v)]);
}

const spreadPod = (name: string, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod =>
  labelledPod(
    name,
    { app: 'web' },
    {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
        { maxSkew: 2, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
      ],
      ...extra,
    },
  );

const guardedPod = (name: string, labels: Record<string, string>, namespace = 'default'): Pod =>
  labelledPod(
    name,
    labels,
    {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: ZONE, namespaces: ['default', 'other'] },
          ],
        },
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { tier: 'cache' } }, topologyKey: HOST }],
        },
      },
    },
    namespace,
  );

/** Expects the incremental states to equal the from-scratch ones for a few incoming pods. */
function expectSameCounts(state: ClusterState, objects: ClusterObjects = NO_CLUSTER_OBJECTS): void {
  const store = state.nodes;
  for (const incoming of [spreadPod('in-1'), spreadPod('in-2', { nodeSelector: { [ZONE]: 'z1' } })]) {
    const constraints = podConstraints(incoming, 'DoNotSchedule', SYSTEM_DEFAULT_CONSTRAINTS, objects);
    const counted = spreadFilterState(incoming, constraints, store);
    const scratch = spreadFilterStateFromScratch(incoming, constraints, store.list());
    expect(counted.counts.map(plain)).toEqual(scratch.counts.map(plain));
    expect(counted.minimum).toEqual(scratch.minimum);
    expect(counted.selfMatch).toEqual(scratch.selfMatch);
    const soft = constraints.map((c) => ({ ...c, whenUnsatisfiable: 'ScheduleAnyway' as const }));
    const nodes = store.list();
    const scored = spreadScoreState(incoming, soft, nodes, store, true);
    const reference = spreadScoreState(incoming, soft, nodes, store, true, false);
    expect(nodes.map((n) => spreadScore(scored, incoming, n))).toEqual(nodes.map((n) => spreadScore(reference, incoming, n)));
  }
  for (const incoming of [guardedPod('in-3', { app: 'web' }), labelledPod('in-4', { app: 'web' }), guardedPod('in-5', {}, 'other')]) {
    const counted = preFilterState(incoming, store, objects);
    const scratch = preFilterStateFromScratch(incoming, store.list(), store.nodesWithRequiredAntiAffinity(), objects);
    expect(plainTopology(counted.antiAffinityCounts)).toEqual(plainTopology(scratch.antiAffinityCounts));
    expect(plainTopology(counted.existingAntiAffinityCounts)).toEqual(plainTopology(scratch.existingAntiAffinityCounts));
    expect(presence(counted.affinityCounts)).toEqual(presence(scratch.affinityCounts));
    // The per-node checks (by domain id from the store's counts) decide as the reference's by label value.
    const verdicts = (s: typeof counted): string[] =>
      store.list().map((n) => `${n.name}:${satisfiesPodAntiAffinity(s, n)}/${satisfiesExistingPodsAntiAffinity(s, n)}`);
    expect(verdicts(counted)).toEqual(verdicts(scratch));
  }
}

/** Binds a pod to a node in the cluster state (as the informer would report it). */
function bound(state: ClusterState, pod: Pod, nodeName: string): Pod {
  const placed = { ...pod, spec: { ...pod.spec!, nodeName }, status: { phase: 'Running' } };
  state.observePod(placed);
  return placed;
}

function cluster(nodes: Node[]): ClusterState {
  const state = new ClusterState(createSchedulerCore('ts'));
  for (const n of nodes) state.upsertNode(n);
  return state;
}

const relabelled = (pod: Pod, labels: Record<string, string>): Pod => ({ ...pod, metadata: { ...pod.metadata!, labels } });

describe('incremental pod counts equal a count from scratch', () => {
  it('after assume, then forget of the assumed pod', () => {
    const state = cluster([zonedNode('n1', 'z1'), zonedNode('n2', 'z2'), zonedNode('n3', 'z2')]);
    expectSameCounts(state);
    state.assume(spreadPod('a'), 'n1');
    state.assume(guardedPod('g', { app: 'web' }), 'n2');
    state.assume(labelledPod('c', { tier: 'cache' }), 'n3');
    expectSameCounts(state);
    state.forgetAssumed('default/a');
    state.forgetAssumed('default/g');
    expectSameCounts(state);
  });

  it('after a pod is deleted, and after it is marked terminating', () => {
    const state = cluster([zonedNode('n1', 'z1'), zonedNode('n2', 'z2')]);
    const a = bound(state, spreadPod('a'), 'n1');
    const b = bound(state, spreadPod('b'), 'n2');
    bound(state, guardedPod('g', { app: 'web' }), 'n2');
    expectSameCounts(state);
    state.deletePod(a);
    expectSameCounts(state);
    state.observePod({ ...b, metadata: { ...b.metadata!, deletionTimestamp: '2026-12-07T10:00:00Z' } });
    expectSameCounts(state);
  });

  it("after a pod's labels change", () => {
    const state = cluster([zonedNode('n1', 'z1'), zonedNode('n2', 'z2')]);
    const a = bound(state, spreadPod('a'), 'n1');
    const c = bound(state, labelledPod('c', { tier: 'cache' }), 'n2');
    expectSameCounts(state);
    state.observePod(relabelled(a, { app: 'db' }));
    state.observePod(relabelled(c, { tier: 'web' }));
    expectSameCounts(state);
    state.observePod(relabelled(a, { app: 'web' }));
    expectSameCounts(state);
  });

  it("after a node's labels change, a node goes, and pods arrive before their node", () => {
    const state = cluster([zonedNode('n1', 'z1'), zonedNode('n2', 'z2'), zonedNode('n3', 'z2')]);
    bound(state, spreadPod('a'), 'n1');
    bound(state, spreadPod('b'), 'n3');
    bound(state, guardedPod('g', { app: 'web' }), 'n3');
    bound(state, labelledPod('c', { tier: 'cache' }), 'n3');
    expectSameCounts(state);
    state.upsertNode(zonedNode('n3', 'z3'));
    expectSameCounts(state);
    state.upsertNode(zonedNode('n1', 'z3', { labels: { [HOST]: 'renamed' } }));
    expectSameCounts(state);
    const early = bound(state, spreadPod('early'), 'n9');
    bound(state, guardedPod('g9', { app: 'web' }), 'n9');
    expectSameCounts(state);
    state.upsertNode(zonedNode('n9', 'z1'));
    expectSameCounts(state);
    state.removeNode(zonedNode('n3', 'z3'));
    expectSameCounts(state);
    state.deletePod(early);
    expectSameCounts(state);
  });

  it('over a random sequence of changes', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const zones = ['z1', 'z2', 'z3'];
    const state = cluster(['n0', 'n1', 'n2', 'n3', 'n4'].map((n) => zonedNode(n, zones[random(3)])));
    const placed = new Map<string, Pod>();
    const makers = [
      (name: string): Pod => spreadPod(name),
      (name: string): Pod => guardedPod(name, { app: random(2) === 0 ? 'web' : 'db' }, random(2) === 0 ? 'default' : 'other'),
      (name: string): Pod => labelledPod(name, { tier: 'cache' }),
      (name: string): Pod => labelledPod(name, { app: 'web' }, {}, 'other'),
    ];
    for (let step = 0; step < 300; step++) {
      const node = `n${random(6)}`;
      const action = random(7);
      const keys = [...placed.keys()];
      const some = keys.length === 0 ? undefined : keys[random(keys.length)]!;
      if (action <= 1) {
        const pod = makers[random(makers.length)]!(`p${step}`);
        if (action === 0) placed.set(`${pod.metadata!.namespace}/${pod.metadata!.name}`, bound(state, pod, node));
        else state.assume(pod, node);
      } else if (action === 2 && some !== undefined) {
        state.deletePod(placed.get(some)!);
        placed.delete(some);
      } else if (action === 3 && some !== undefined) {
        const pod = relabelled(placed.get(some)!, random(2) === 0 ? { app: 'web' } : { tier: 'cache' });
        placed.set(some, pod);
        state.observePod(pod);
      } else if (action === 4) state.upsertNode(zonedNode(node, zones[random(3)]));
      else if (action === 5 && random(4) === 0) state.removeNode(zonedNode(node));
      else if (action === 6) state.forgetAssumed(`default/p${step - 1 - random(5)}`);
      expectSameCounts(state);
    }
  });
});
