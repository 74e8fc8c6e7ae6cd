/**
 * NodeResourcesFit's scoring strategies (`resourceAllocationScorer`): per configured resource
 * the node's allocatable and requested-with-the-pod, a score per resource, a weighted mean.
 * cpu and memory use the non-zero requests (100m / 200Mi defaults per container); other
 * resources their real requests. A resource the node does not have (allocatable 0) is left out.
 */
import { MAX_NODE_SCORE } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodResources } from '../framework/resources.js';

/** A resource and its weight in the score. */
export interface ResourceWeight {
  readonly name: string;
  readonly weight: number;
}

/** One point of RequestedToCapacityRatio's shape: utilization 0..100 → score 0..10. */
export interface ShapePoint {
  readonly utilization: number;
  readonly score: number;
}

/** `scoringStrategy` of NodeResourcesFitArgs. */
export type ScoringStrategy =
  | { readonly type: 'LeastAllocated' | 'MostAllocated'; readonly resources: readonly ResourceWeight[] }
  | { readonly type: 'RequestedToCapacityRatio'; readonly resources: readonly ResourceWeight[]; readonly shape: readonly ShapePoint[] };

/** The default: LeastAllocated over cpu and memory, weight 1 each. */
export const DEFAULT_SCORING_STRATEGY: ScoringStrategy = {
  type: 'LeastAllocated',
  resources: [
    { name: 'cpu', weight: 1 },
    { name: 'memory', weight: 1 },
  ],
};

/** `floor((capacity - requested) * 100 / capacity)`; 0 when over capacity or capacity is 0. */
export function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** `floor(min(requested, capacity) * 100 / capacity)`; 0 when capacity is 0. */
export function mostRequested(requested: number, capacity: number): number {
  if (capacity <= 0) return 0;
  return Math.floor((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

/** The broken-line function through the shape points (scores already scaled to 0..100). */
export function brokenLinear(shape: readonly ShapePoint[], utilization: number): number {
  for (let i = 0; i < shape.length; i++) {
    const p = shape[i]!;
    if (utilization > p.utilization) continue;
    if (i === 0) return p.score;
    const q = shape[i - 1]!;
    return q.score + Math.trunc(((p.score - q.score) * (utilization - q.utilization)) / (p.utilization - q.utilization));
  }
  return shape[shape.length - 1]!.score;
}

/** The node's allocatable and the requested amount with the pod, for one resource. */
export function allocatableAndRequested(node: NodeInfo, pod: PodResources, resource: string, nonZero: boolean): [number, number] {
  if (resource === 'cpu') {
    const requested = nonZero ? node.nonZeroMilliCpu + pod.nonZeroMilliCpu : node.requestedMilliCpu + (pod.requests.get('cpu') ?? 0);
    return [node.allocatableMilliCpu, requested];
  }
  if (resource === 'memory') {
    const requested = nonZero
      ? node.nonZeroMemoryBytes + pod.nonZeroMemoryBytes
      : node.requestedMemoryBytes + (pod.requests.get('memory') ?? 0);
    return [node.allocatableMemoryBytes, requested];
  }
  return [node.allocatable.get(resource) ?? 0, (node.requested.get(resource) ?? 0) + (pod.requests.get(resource) ?? 0)];
}

/** The node's score under the strategy (0..100). */
export function strategyScore(strategy: ScoringStrategy, node: NodeInfo, pod: PodResources): number {
  let total = 0;
  let weights = 0;
  for (const { name, weight } of strategy.resources) {
    const [allocatable, requested] = allocatableAndRequested(node, pod, name, true);
    if (allocatable === 0) continue;
    let score: number;
    if (strategy.type === 'LeastAllocated') score = leastRequested(requested, allocatable);
    else if (strategy.type === 'MostAllocated') score = mostRequested(requested, allocatable);
    else if (strategy.type === 'RequestedToCapacityRatio') {
      const utilization = requested > allocatable ? 100 : Math.floor((requested * 100) / allocatable);
      score = brokenLinear(strategy.shape, utilization);
      if (score <= 0) continue;
    } else continue;
    total += score * weight;
    weights += weight;
  }
  if (weights === 0) return 0;
  return strategy.type === 'RequestedToCapacityRatio' ? Math.round(total / weights) : Math.floor(total / weights);
}
