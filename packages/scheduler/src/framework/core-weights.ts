/**
 * Which plugins the native core computes, and with which weights: the framework's fast path
 * applies when every non-skipping filter and score plugin is one of them.
 */
import type { PodRequests, PodToleration, ScoringWeights } from '../core/contract.js';
import { BALANCED_ALLOCATION, BalancedAllocation } from '../plugins/balanced-allocation.js';
import { NODE_RESOURCES_FIT } from '../plugins/node-resources-fit.js';
import { NODE_AFFINITY } from '../plugins/node-affinity.js';
import { NODE_UNSCHEDULABLE } from '../plugins/node-unschedulable.js';
import { TAINT_TOLERATION } from '../plugins/taint-toleration.js';
import type { PodInfo, ScorePlugin } from './interfaces.js';

/** The filter plugins the core executes (for a pod `coreServes` accepts). */
export const CORE_FILTERS: ReadonlySet<string> = new Set([NODE_UNSCHEDULABLE, TAINT_TOLERATION, NODE_AFFINITY, NODE_RESOURCES_FIT]);

/** Which of the core's optional filters the profile runs. */
export interface CoreFilters {
  readonly taints: boolean;
  readonly affinity: boolean;
}

/** A toleration of every taint: hands the core a pod whose profile has no TaintToleration filter. */
const TOLERATE_EVERYTHING: readonly PodToleration[] = [{ operator: 'Exists' }];

/**
 * The core's question for a pod: its requests, tolerations, node selector and node affinity.
 * When the profile does not filter on taints, a toleration of every taint instead, so that the
 * core's TaintToleration filter passes every node, as the profile would; when it does not run
 * NodeAffinity's filter, no node selector and no required terms (the preferred terms stay for
 * the score).
 */
export function coreQuery(requests: PodRequests, pod: PodInfo, filters: CoreFilters): PodRequests {
  const spec = pod.pod.spec;
  const affinity = spec?.affinity?.nodeAffinity;
  const query: PodRequests = { ...requests, tolerations: filters.taints ? (spec?.tolerations ?? []) : TOLERATE_EVERYTHING };
  if (filters.affinity && spec?.nodeSelector !== undefined) query.nodeSelector = spec.nodeSelector;
  if (affinity !== undefined) {
    const preferred = affinity.preferredDuringSchedulingIgnoredDuringExecution;
    query.nodeAffinity = {
      ...(filters.affinity && affinity.requiredDuringSchedulingIgnoredDuringExecution !== undefined
        ? { requiredDuringSchedulingIgnoredDuringExecution: affinity.requiredDuringSchedulingIgnoredDuringExecution }
        : {}),
      ...(preferred !== undefined ? { preferredDuringSchedulingIgnoredDuringExecution: preferred } : {}),
    };
  }
  return query;
}

/** A score plugin of a profile with its weight. */
export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/**
 * The core's weights for the active (non-skipping) score plugins, or null when one of them is
 * not computed by the core. NodeResourcesFit must be active (its strategy is checked when the
 * framework decides the core is capable: LeastAllocated over cpu and memory with equal
 * weights); BalancedAllocation counts only with its default resources (cpu and memory);
 * TaintToleration's score the core normalizes over the feasible nodes as the plugin's
 * NormalizeScore does, and NodeAffinity's likewise, so the core's weighted sum is the
 * framework's total. Without the TaintToleration filter in the profile the core is handed a
 * toleration of every taint (see {@link coreQuery}) and cannot score taints.
 */
export function coreWeights(active: readonly WeightedScorePlugin[], filters: CoreFilters): ScoringWeights | null {
  let leastAllocatedWeight = 0;
  let balancedAllocationWeight = 0;
  let taintTolerationWeight = 0;
  let nodeAffinityWeight = 0;
  for (const { plugin, weight } of active) {
    if (plugin.name === NODE_RESOURCES_FIT) leastAllocatedWeight += weight;
    else if (plugin.name === BALANCED_ALLOCATION && plugin instanceof BalancedAllocation && plugin.scoresCpuAndMemory)
      balancedAllocationWeight += weight;
    else if (plugin.name === TAINT_TOLERATION && filters.taints) taintTolerationWeight += weight;
    else if (plugin.name === NODE_AFFINITY) nodeAffinityWeight += weight;
    else return null;
  }
  return leastAllocatedWeight > 0 ? { leastAllocatedWeight, balancedAllocationWeight, taintTolerationWeight, nodeAffinityWeight } : null;
}
