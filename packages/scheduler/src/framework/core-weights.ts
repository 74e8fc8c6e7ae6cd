/**
 * Which plugins the native core computes, and with which weights: the framework's fast path
 * applies when every non-skipping filter and score plugin is one of them.
 */
import type { PodRequests, PodToleration, ScoringWeights } from '../core/contract.js';
import { BALANCED_ALLOCATION, BalancedAllocation } from '../plugins/balanced-allocation.js';
import { NODE_RESOURCES_FIT } from '../plugins/node-resources-fit.js';
import { NODE_UNSCHEDULABLE } from '../plugins/node-unschedulable.js';
import { TAINT_TOLERATION } from '../plugins/taint-toleration.js';
import type { PodInfo, ScorePlugin } from './interfaces.js';

/** The filter plugins the core executes (for a pod `coreServes` accepts). */
export const CORE_FILTERS: ReadonlySet<string> = new Set([NODE_UNSCHEDULABLE, TAINT_TOLERATION, NODE_RESOURCES_FIT]);

/** A toleration of every taint: hands the core a pod whose profile has no TaintToleration filter. */
const TOLERATE_EVERYTHING: readonly PodToleration[] = [{ operator: 'Exists' }];

/**
 * The core's question for a pod: its requests and its tolerations, or, when the profile does
 * not filter on taints (`taintFilter` false), a toleration of every taint so that the core's
 * TaintToleration filter passes every node, as the profile would.
 */
export function coreQuery(requests: PodRequests, pod: PodInfo, taintFilter: boolean): PodRequests {
  return { ...requests, tolerations: taintFilter ? (pod.pod.spec?.tolerations ?? []) : TOLERATE_EVERYTHING };
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
 * NormalizeScore does, so the core's weighted sum is the framework's total. `taintFilter`:
 * the profile filters on taints; without, the core is handed a toleration of every taint
 * (see {@link coreQuery}) and cannot score taints.
 */
export function coreWeights(active: readonly WeightedScorePlugin[], taintFilter: boolean): ScoringWeights | null {
  let leastAllocatedWeight = 0;
  let balancedAllocationWeight = 0;
  let taintTolerationWeight = 0;
  for (const { plugin, weight } of active) {
    if (plugin.name === NODE_RESOURCES_FIT) leastAllocatedWeight += weight;
    else if (plugin.name === BALANCED_ALLOCATION && plugin instanceof BalancedAllocation && plugin.scoresCpuAndMemory)
      balancedAllocationWeight += weight;
    else if (plugin.name === TAINT_TOLERATION && taintFilter) taintTolerationWeight += weight;
    else return null;
  }
  return leastAllocatedWeight > 0 ? { leastAllocatedWeight, balancedAllocationWeight, taintTolerationWeight } : null;
}
