/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in equal
 * fractions. Per resource `fraction = min(requested / allocatable, 1)` with real requests;
 * with two resources `std = |f1 - f2| / 2`, with more the population standard deviation;
 * `score = trunc((1 - std) * 100)`. A pod that requests nothing is skipped.
 */
import type { CycleState, PodInfo, PreScorePlugin, ScorePlugin } from '../framework/interfaces.js';
import { MAX_NODE_SCORE } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { SKIP, type Status } from '../framework/status.js';
import { allocatableAndRequested, type ResourceWeight } from './scoring-strategies.js';

export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

const DEFAULT_RESOURCES: readonly ResourceWeight[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** The balanced-allocation score from the per-resource fractions. */
export function balancedScore(fractions: readonly number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    const variance = fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length;
    std = Math.sqrt(variance);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = BALANCED_ALLOCATION;

  constructor(private readonly resources: readonly ResourceWeight[] = DEFAULT_RESOURCES) {}

  /** True with the default resources (cpu and memory), the case the native core computes. */
  get scoresCpuAndMemory(): boolean {
    return this.resources === DEFAULT_RESOURCES;
  }

  preScore(_state: CycleState, pod: PodInfo): Status | null {
    return this.resources.every((r) => (pod.resources.requests.get(r.name) ?? 0) === 0) ? SKIP : null;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (this.resources === DEFAULT_RESOURCES) return this.cpuMemoryScore(pod, node);
    const fractions: number[] = [];
    for (const { name } of this.resources) {
      const [allocatable, requested] = allocatableAndRequested(node, pod.resources, name, false);
      if (allocatable === 0) continue;
      fractions.push(Math.min(requested / allocatable, 1));
    }
    return balancedScore(fractions);
  }

  /** The default cpu + memory case without allocations (the hot path): the same arithmetic. */
  private cpuMemoryScore(pod: PodInfo, node: NodeInfo): number {
    const cpuAllocatable = node.allocatableMilliCpu;
    const memoryAllocatable = node.allocatableMemoryBytes;
    const cpu =
      cpuAllocatable === 0 ? -1 : Math.min((node.requestedMilliCpu + (pod.resources.requests.get('cpu') ?? 0)) / cpuAllocatable, 1);
    const memory =
      memoryAllocatable === 0
        ? -1
        : Math.min((node.requestedMemoryBytes + (pod.resources.requests.get('memory') ?? 0)) / memoryAllocatable, 1);
    if (cpu >= 0 && memory >= 0) return Math.trunc((1 - Math.abs((cpu - memory) / 2)) * MAX_NODE_SCORE);
    return MAX_NODE_SCORE;
  }
}
