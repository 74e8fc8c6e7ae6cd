/**
 * PodTopologySpread's scores (kube-scheduler's `scoring.go`), for ScheduleAnyway constraints:
 * a node scores, per constraint, `matching pods in its domain × log(domains + 2) + maxSkew - 1`
 * (hostname domains counted on the node itself), rounded; normalized so the fewest matching
 * pods get 100. Nodes without every topology key are ignored (score 0) when the pod set its
 * own constraints.
 */
import type { Pod } from '@skiff/api';
import { MAX_NODE_SCORE } from '../../framework/interfaces.js';
import type { NodeInfo, NodeInfoStore } from '../../framework/node-info.js';
import type { PodCounts } from '../../framework/pod-counts.js';
import { countMatching, hasAllTopologyKeys, inclusionCheck, LABEL_HOSTNAME, type SpreadConstraint } from './constraints.js';
import { constraintCounts, everyNodeCounts } from './counted.js';

export interface SpreadScoreState {
  readonly constraints: readonly SpreadConstraint[];
  /** The feasible nodes PreScore saw, in the order the scores come. */
  readonly feasible: readonly NodeInfo[];
  readonly ignored: ReadonlySet<string>;
  /** Per constraint: topology value → matching pods (not for hostname constraints). */
  readonly counts: ReadonlyArray<ReadonlyMap<string, number>>;
  /** Per constraint: log(domains + 2). */
  readonly weights: readonly number[];
  /** Per constraint: the store's incremental counts, when every node counts (else counted per node). */
  readonly podCounts?: readonly PodCounts[];
}

/**
 * The state for one cycle over the feasible nodes. When every node with the keys counts
 * ({@link everyNodeCounts}) the domain and per-node counts come from the store's incremental
 * counts; otherwise (or with `incremental` false: the reference) from every pod on every node.
 */
export function spreadScoreState(
  pod: Pod,
  constraints: readonly SpreadConstraint[],
  feasible: readonly NodeInfo[],
  store: NodeInfoStore,
  requireAllTopologies: boolean,
  incremental = true,
): SpreadScoreState {
  const ignored = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  for (const node of feasible) {
    if (requireAllTopologies && !hasAllTopologyKeys(node.node, constraints)) {
      ignored.add(node.name);
      continue;
    }
    constraints.forEach((c, i) => {
      const value = node.node.metadata?.labels?.[c.topologyKey];
      if (c.topologyKey !== LABEL_HOSTNAME && value !== undefined && !counts[i]!.has(value)) counts[i]!.set(value, 0);
    });
  }
  const weights = constraints.map((c, i) =>
    Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length - ignored.size : counts[i]!.size) + 2),
  );
  const ns = pod.metadata?.namespace ?? 'default';
  if (incremental && everyNodeCounts(pod, constraints, store)) {
    const podCounts = constraints.map((c) => constraintCounts(store, c, ns));
    constraints.forEach((c, i) => {
      const domains = podCounts[i]!.domains(c.topologyKey);
      const m = counts[i]!;
      for (const value of m.keys()) m.set(value, domains.get(value) ?? 0);
    });
    return { constraints, feasible, ignored, counts, weights, podCounts };
  }
  const included = inclusionCheck(pod);
  for (const node of store.list()) {
    if (requireAllTopologies && !hasAllTopologyKeys(node.node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (c.topologyKey === LABEL_HOSTNAME) return;
      const value = node.node.metadata?.labels?.[c.topologyKey];
      const m = counts[i]!;
      if (value === undefined || !m.has(value) || !included(c, node.node)) return;
      m.set(value, m.get(value)! + countMatching(c, node, ns));
    });
  }
  return { constraints, feasible, ignored, counts, weights };
}

export function spreadScore(state: SpreadScoreState, pod: Pod, node: NodeInfo): number {
  if (state.ignored.has(node.name)) return 0;
  const labels = node.node.metadata?.labels ?? {};
  const ns = pod.metadata?.namespace ?? 'default';
  let score = 0;
  state.constraints.forEach((c, i) => {
    const value = labels[c.topologyKey];
    if (value === undefined) return;
    const n =
      c.topologyKey !== LABEL_HOSTNAME
        ? (state.counts[i]!.get(value) ?? 0)
        : state.podCounts === undefined
          ? countMatching(c, node, ns)
          : state.podCounts[i]!.onNode(node);
    score += n * state.weights[i]! + (c.maxSkew - 1);
  });
  return Math.round(score);
}

/** Fewest matching pods → 100: `100 × (max + min - score) / max`; ignored nodes get 0. */
export function normalizeSpreadScores(state: SpreadScoreState, scores: Int32Array | number[]): void {
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < scores.length; i++) {
    if (state.ignored.has(state.feasible[i]!.name)) continue;
    min = Math.min(min, scores[i]!);
    max = Math.max(max, scores[i]!);
  }
  for (let i = 0; i < scores.length; i++) {
    if (state.ignored.has(state.feasible[i]!.name)) scores[i] = 0;
    else if (max === 0) scores[i] = MAX_NODE_SCORE;
    else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
  }
}
