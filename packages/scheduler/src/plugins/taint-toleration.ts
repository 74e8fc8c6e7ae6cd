/**
 * TaintToleration. Filter: the node's first NoSchedule/NoExecute taint the pod does not
 * tolerate rejects it. Score: how many PreferNoSchedule taints the pod does not tolerate
 * (counting only tolerations with effect PreferNoSchedule or empty), normalized and reversed
 * so the node with the fewest gets 100.
 */
import { ActionType, type ClusterEvent } from '../framework/events.js';
import type {
  CycleState,
  EnqueueExtensions,
  FilterPlugin,
  FrameworkHandle,
  PodInfo,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { Code, SKIP, status, type Status } from '../framework/status.js';
import { defaultNormalizeScore } from './normalize.js';
import { podTolerations, tolerated, type TolerationLike } from './tolerations.js';

export const TAINT_TOLERATION = 'TaintToleration';

/** kube-scheduler's reason: `node(s) had untolerated taint {key: value}`. */
export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

const PREFERRED_KEY = `${TAINT_TOLERATION}/preferNoSchedule`;

export class TaintToleration implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = TAINT_TOLERATION;

  constructor(private readonly handle: FrameworkHandle) {}

  /**
   * Skip when no node has a NoSchedule/NoExecute taint: the filter would pass every node.
   * (Upstream has no PreFilter here; the outcome is the same.)
   */
  preFilter(): Status | null {
    return this.handle.nodes.anyHardTaint() ? null : SKIP;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const taints = node.node.spec?.taints;
    if (taints === undefined || taints.length === 0) return null;
    const tolerations = podTolerations(pod.pod);
    for (const taint of taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerated(tolerations, taint)) return status(Code.UnschedulableAndUnresolvable, untoleratedTaintReason(taint.key, taint.value));
    }
    return null;
  }

  /** Skip when no node has a PreferNoSchedule taint: every node would score the same. */
  preScore(state: CycleState, pod: PodInfo): Status | null {
    if (!this.handle.nodes.anyPreferNoScheduleTaint()) return SKIP;
    const preferred = podTolerations(pod.pod).filter((t) => t.effect === undefined || t.effect === '' || t.effect === 'PreferNoSchedule');
    state.write(PREFERRED_KEY, preferred);
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const preferred = state.read<readonly TolerationLike[]>(PREFERRED_KEY) ?? [];
    let count = 0;
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !tolerated(preferred, taint)) count += 1;
    }
    return count;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Int32Array | number[]): void {
    defaultNormalizeScore(scores, true);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint },
      { resource: 'Pod', actions: ActionType.Update },
    ];
  }
}
