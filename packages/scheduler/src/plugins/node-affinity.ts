/**
 * NodeAffinity. Filter: `spec.nodeSelector` (every label equal) and the required terms of
 * `affinity.nodeAffinity` (ORed terms). Score: the sum of the weights of the preferred terms
 * the node matches, normalized by the highest.
 */
import { ActionType, type ClusterEvent } from '../framework/events.js';
import type {
  CycleState,
  EnqueueExtensions,
  FilterPlugin,
  PodInfo,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { Code, SKIP, status, type Status } from '../framework/status.js';
import { anyTermMatches, termMatches } from './node-selector.js';
import { defaultNormalizeScore } from './normalize.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_AFFINITY;

  /** Skip for a pod with neither a nodeSelector nor required node affinity. */
  preFilter(_state: CycleState, pod: PodInfo): Status | null {
    const selector = pod.pod.spec?.nodeSelector ?? {};
    const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    return Object.keys(selector).length === 0 && required === undefined ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const labels = node.node.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(pod.pod.spec?.nodeSelector ?? {})) {
      if (labels[k] !== v) return status(Code.UnschedulableAndUnresolvable, ERR_REASON_POD_AFFINITY);
    }
    const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required !== undefined && !anyTermMatches(required.nodeSelectorTerms, node.node)) {
      return status(Code.UnschedulableAndUnresolvable, ERR_REASON_POD_AFFINITY);
    }
    return null;
  }

  /** Skip for a pod without preferred terms. */
  preScore(_state: CycleState, pod: PodInfo): Status | null {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    return preferred.length === 0 ? SKIP : null;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let total = 0;
    for (const term of pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (term.weight !== 0 && termMatches(term.preference, node.node)) total += term.weight;
    }
    return total;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Int32Array | number[]): void {
    defaultNormalizeScore(scores, false);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [{ resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel }];
  }
}
