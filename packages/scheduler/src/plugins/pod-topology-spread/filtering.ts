/**
 * PodTopologySpread's PreFilter state and Filter check (kube-scheduler's `filtering.go`):
 * matching pods per domain for each DoNotSchedule constraint, counted once per cycle over the
 * nodes that have every topology key and pass the constraint's inclusion policies, and the
 * smallest count (the "global minimum", 0 while fewer domains than minDomains exist).
 */
import type { Node, Pod } from '@skiff/api';
import type { NodeInfo, NodeInfoStore } from '../../framework/node-info.js';
import { countMatching, hasAllTopologyKeys, inclusionCheck, selects, type SpreadConstraint } from './constraints.js';
import { constraintCounts, countedMinimum, everyNodeCounts } from './counted.js';

export interface SpreadFilterState {
  readonly constraints: readonly SpreadConstraint[];
  /** Per constraint: topology value → matching pods in that domain. */
  readonly counts: ReadonlyArray<ReadonlyMap<string, number>>;
  /** Per constraint: 1 when its selector matches the incoming pod itself. */
  readonly selfMatch: readonly number[];
  /** Per constraint: the global minimum (see {@link globalMinimum}). */
  readonly minimum: readonly number[];
}

/**
 * The state for one cycle: from the store's incremental counts when every node with the keys
 * counts ({@link everyNodeCounts}; the count maps are then the store's live ones, valid for
 * this cycle), else counted from scratch ({@link spreadFilterStateFromScratch}).
 */
export function spreadFilterState(pod: Pod, constraints: readonly SpreadConstraint[], store: NodeInfoStore): SpreadFilterState {
  if (!everyNodeCounts(pod, constraints, store)) return spreadFilterStateFromScratch(pod, constraints, store.list());
  const ns = pod.metadata?.namespace ?? 'default';
  const counts = constraints.map((c) => constraintCounts(store, c, ns).domains(c.topologyKey));
  return {
    constraints,
    counts,
    selfMatch: constraints.map((c) => (selects(c, pod) ? 1 : 0)),
    minimum: constraints.map((c, i) => countedMinimum(c, store.podCounts.domainsOf(c.topologyKey), counts[i]!)),
  };
}

/** The state counted over every pod on every node (the reference the incremental counts equal). */
export function spreadFilterStateFromScratch(
  pod: Pod,
  constraints: readonly SpreadConstraint[],
  nodes: readonly NodeInfo[],
): SpreadFilterState {
  const ns = pod.metadata?.namespace ?? 'default';
  const counts = constraints.map(() => new Map<string, number>());
  const included = inclusionCheck(pod);
  for (const node of nodes) {
    if (!hasAllTopologyKeys(node.node, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!included(c, node.node)) continue;
      const value = node.node.metadata!.labels![c.topologyKey]!;
      const m = counts[i]!;
      m.set(value, (m.get(value) ?? 0) + countMatching(c, node, ns));
    }
  }
  return {
    constraints,
    counts,
    selfMatch: constraints.map((c) => (selects(c, pod) ? 1 : 0)),
    minimum: constraints.map((c, i) => globalMinimum(c, counts[i]!)),
  };
}

/** The smallest domain count; 0 when fewer domains than minDomains exist. */
function globalMinimum(c: SpreadConstraint, counts: ReadonlyMap<string, number>): number {
  if (counts.size < c.minDomains) return 0;
  let min = Infinity;
  for (const n of counts.values()) if (n < min) min = n;
  return min;
}

/** The outcome of one node. */
export type SpreadVerdict = 'fits' | 'missing-label' | 'skew';

/** `count in the node's domain + (1 if the pod matches itself) - global minimum <= maxSkew`, per constraint. */
export function spreadVerdict(state: SpreadFilterState, node: Node): SpreadVerdict {
  const labels = node.metadata?.labels ?? {};
  for (let i = 0; i < state.constraints.length; i++) {
    const c = state.constraints[i]!;
    const value = labels[c.topologyKey];
    if (value === undefined) return 'missing-label';
    if ((state.counts[i]!.get(value) ?? 0) + state.selfMatch[i]! - state.minimum[i]! > c.maxSkew) return 'skew';
  }
  return 'fits';
}
