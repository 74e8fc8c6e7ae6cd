/**
 * InterPodAffinity: required and preferred pod affinity and anti-affinity between the
 * incoming pod and the pods already placed (bound or assumed), by topology domain.
 *
 * PreFilter counts matching pods per domain once; Skip when the pod has no required terms and
 * no placed pod has required anti-affinity (upstream runs its Filter, which then passes every
 * node). Filter: the affinity terms (UnschedulableAndUnresolvable), the pod's anti-affinity
 * terms, and the placed pods' anti-affinity terms against the pod (both Unschedulable, so
 * preemption may help). PreScore builds per-domain weights; Skip when nothing contributes.
 */
import { ActionType, ANY_UPDATE, type ClusterEvent } from '../../framework/events.js';
import type {
  CycleState,
  EnqueueExtensions,
  FilterPlugin,
  FrameworkHandle,
  PodInfo,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { Code, SKIP, status, type Status } from '../../framework/status.js';
import {
  preFilterState,
  satisfiesExistingPodsAntiAffinity,
  satisfiesPodAffinity,
  satisfiesPodAntiAffinity,
  type AffinityFilterState,
} from './filtering.js';
import { nodeScore, normalizeMinMax, topologyScores, type TopologyScores } from './scoring.js';
import { affinityTerms } from './terms.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";

/** Upstream's default `hardPodAffinityWeight` (InterPodAffinityArgs). */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

const FILTER_KEY = `${INTER_POD_AFFINITY}/filter`;
// Filter's verdicts, one object each (Filter runs for every node: no allocation per node).
const AFFINITY_NOT_MATCH = Object.freeze(status(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY_RULES_NOT_MATCH));
const ANTI_AFFINITY_NOT_MATCH = Object.freeze(status(Code.Unschedulable, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH));
const EXISTING_ANTI_AFFINITY_NOT_MATCH = Object.freeze(status(Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH));
const SCORE_KEY = `${INTER_POD_AFFINITY}/score`;

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = INTER_POD_AFFINITY;

  constructor(
    private readonly handle: FrameworkHandle,
    private readonly hardPodAffinityWeight = DEFAULT_HARD_POD_AFFINITY_WEIGHT,
  ) {}

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const terms = affinityTerms(pod.pod);
    const { nodes, objects } = this.handle;
    const antiAffinityNodes = nodes.nodesWithRequiredAntiAffinity();
    if (terms.requiredAffinity.length === 0 && terms.requiredAntiAffinity.length === 0 && antiAffinityNodes.size === 0) return SKIP;
    state.write(FILTER_KEY, preFilterState(pod.pod, nodes, objects));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    let s = state.read<AffinityFilterState>(FILTER_KEY);
    // Called outside a cycle whose PreFilter ran (a what-if on a fresh state): compute the state now.
    if (s === undefined && this.preFilter(state, pod) === SKIP) return null;
    s = state.read<AffinityFilterState>(FILTER_KEY);
    if (s === undefined) return status(Code.Error, `${INTER_POD_AFFINITY}: no PreFilter state`);
    if (!satisfiesPodAffinity(s, pod.pod, node.node, this.handle.objects)) return AFFINITY_NOT_MATCH;
    if (!satisfiesPodAntiAffinity(s, node)) return ANTI_AFFINITY_NOT_MATCH;
    if (!satisfiesExistingPodsAntiAffinity(s, node)) return EXISTING_ANTI_AFFINITY_NOT_MATCH;
    return null;
  }

  /** Skip when neither the pod nor any placed pod has terms that score, or no domain got a weight. */
  preScore(state: CycleState, pod: PodInfo): Status | null {
    const terms = affinityTerms(pod.pod);
    const hasPreferred = terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
    const { nodes, objects } = this.handle;
    const affinityNodes = nodes.nodesWithPodAffinity();
    if (!hasPreferred && !nodes.anyPodScoringOthers()) return SKIP;
    const scores = topologyScores(pod.pod, nodes.list(), affinityNodes, objects, this.hardPodAffinityWeight);
    if (scores.size === 0) return SKIP;
    state.write(SCORE_KEY, scores);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<TopologyScores>(SCORE_KEY);
    return scores === undefined ? 0 : nodeScore(scores, node.node);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Int32Array | number[]): void {
    normalizeMinMax(scores);
  }

  /** Placed pods coming, going or relabelled, and nodes added or relabelled (new domains). */
  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ActionType.Add | ActionType.Delete | ANY_UPDATE },
      { resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeLabel },
    ];
  }
}
