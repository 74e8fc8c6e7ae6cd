/**
 * Which score plugins the native core computes, and with which weights: the framework's fast
 * path applies when every non-skipping score plugin is one of them.
 */
import type { ScoringWeights } from '../core/contract.js';
import { BALANCED_ALLOCATION, BalancedAllocation } from '../plugins/balanced-allocation.js';
import { NODE_RESOURCES_FIT } from '../plugins/node-resources-fit.js';
import type { ScorePlugin } from './interfaces.js';

/** A score plugin of a profile with its weight. */
export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/**
 * The core's weights for the active (non-skipping) score plugins, or null when one of them is
 * not computed by the core. NodeResourcesFit must be active (its strategy is checked when the
 * framework decides the core is capable: LeastAllocated over cpu and memory with equal
 * weights); BalancedAllocation counts only with its default resources (cpu and memory).
 * Neither normalizes, so the core's weighted sum is the framework's total.
 */
export function coreWeights(active: readonly WeightedScorePlugin[]): ScoringWeights | null {
  let leastAllocatedWeight = 0;
  let balancedAllocationWeight = 0;
  for (const { plugin, weight } of active) {
    if (plugin.name === NODE_RESOURCES_FIT) leastAllocatedWeight += weight;
    else if (plugin.name === BALANCED_ALLOCATION && plugin instanceof BalancedAllocation && plugin.scoresCpuAndMemory)
      balancedAllocationWeight += weight;
    else return null;
  }
  return leastAllocatedWeight > 0 ? { leastAllocatedWeight, balancedAllocationWeight } : null;
}
