/**
 * NodeResourcesFit. Filter: the node has room for one more pod, and for every resource the
 * pod requests (cpu, memory, ephemeral-storage, extended resources) `request <= allocatable -
 * requested`; every failing check is reported (`Too many pods`, `Insufficient <resource>`).
 * Score: the configured strategy (LeastAllocated by default).
 */
import { ActionType, type ClusterEvent } from '../framework/events.js';
import type { CycleState, EnqueueExtensions, FilterPlugin, PodInfo, ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { Code, status, type Status } from '../framework/status.js';
import { DEFAULT_SCORING_STRATEGY, strategyScore, type ScoringStrategy } from './scoring-strategies.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';

/** `Insufficient cpu`, `Insufficient example.com/gpu`, ... */
export function insufficientReason(resource: string): string {
  return `Insufficient ${resource}`;
}

/** The checks in upstream's order: cpu, memory, ephemeral-storage, then extended resources by name. */
function resourceOrder(requests: ReadonlyMap<string, number>): string[] {
  const first = ['cpu', 'memory', 'ephemeral-storage'].filter((r) => requests.has(r));
  const rest = [...requests.keys()].filter((r) => r !== 'cpu' && r !== 'memory' && r !== 'ephemeral-storage' && r !== 'pods').sort();
  return [...first, ...rest];
}

/** The reasons the node cannot take the pod (empty when it fits). */
export function fitFailures(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (node.podCount + 1 > (node.allocatable.get('pods') ?? 0)) reasons.push(ERR_REASON_TOO_MANY_PODS);
  const requests = pod.resources.requests;
  for (const resource of resourceOrder(requests)) {
    const wanted = requests.get(resource) ?? 0;
    if (wanted <= 0) continue;
    const free = (node.allocatable.get(resource) ?? 0) - (node.requested.get(resource) ?? 0);
    if (wanted > free) reasons.push(insufficientReason(resource));
  }
  return reasons;
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_FIT;

  constructor(readonly strategy: ScoringStrategy = DEFAULT_SCORING_STRATEGY) {}

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const reasons = fitFailures(pod, node);
    return reasons.length === 0 ? null : status(Code.Unschedulable, ...reasons);
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return strategyScore(this.strategy, node, pod.resources);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ActionType.Delete },
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeAllocatable },
    ];
  }
}
