/**
 * PodTopologySpread: spreads pods that a constraint selects evenly over topology domains
 * (node label values). DoNotSchedule constraints filter (skew above maxSkew rejects the node),
 * ScheduleAnyway constraints score. A pod without constraints of its own gets the cluster
 * default constraints (upstream's system defaults: hostname maxSkew 3 and zone maxSkew 5,
 * ScheduleAnyway) when a Service, ReplicaSet, ... selects it; otherwise PreFilter and PreScore
 * Skip, so ordinary pods keep the framework's fast path.
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
import { podConstraints, SYSTEM_DEFAULT_CONSTRAINTS, type DefaultConstraint } from './constraints.js';
import { spreadFilterState, spreadVerdict, type SpreadFilterState } from './filtering.js';
import { normalizeSpreadScores, spreadScore, spreadScoreState, type SpreadScoreState } from './scoring.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const FILTER_KEY = `${POD_TOPOLOGY_SPREAD}/filter`;
// Filter's verdicts, one object each (Filter runs for every node: no allocation per node).
const NODE_LABEL_NOT_MATCH = Object.freeze(status(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL_NOT_MATCH));
const CONSTRAINTS_NOT_MATCH = Object.freeze(status(Code.Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH));
const SCORE_KEY = `${POD_TOPOLOGY_SPREAD}/score`;

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = POD_TOPOLOGY_SPREAD;

  constructor(
    private readonly handle: FrameworkHandle,
    private readonly defaults: readonly DefaultConstraint[] = SYSTEM_DEFAULT_CONSTRAINTS,
  ) {}

  /** Skip when no DoNotSchedule constraint applies to the pod. */
  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const constraints = podConstraints(pod.pod, 'DoNotSchedule', this.defaults, this.handle.objects);
    if (constraints.length === 0) return SKIP;
    state.write(FILTER_KEY, spreadFilterState(pod.pod, constraints, this.handle.nodes));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    let s = state.read<SpreadFilterState>(FILTER_KEY);
    // Called outside a cycle whose PreFilter ran (a what-if on a fresh state): compute the state now.
    if (s === undefined && this.preFilter(state, pod) === SKIP) return null;
    s = state.read<SpreadFilterState>(FILTER_KEY);
    if (s === undefined) return status(Code.Error, `${POD_TOPOLOGY_SPREAD}: no PreFilter state`);
    const verdict = spreadVerdict(s, node.node);
    if (verdict === 'missing-label') return NODE_LABEL_NOT_MATCH;
    if (verdict === 'skew') return CONSTRAINTS_NOT_MATCH;
    return null;
  }

  /** Skip when no ScheduleAnyway constraint applies to the pod. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null {
    const constraints = podConstraints(pod.pod, 'ScheduleAnyway', this.defaults, this.handle.objects);
    if (constraints.length === 0) return SKIP;
    // System defaults also count nodes that lack one of the keys; a pod's own constraints do not.
    const requireAll = (pod.pod.spec?.topologySpreadConstraints ?? []).length > 0;
    state.write(SCORE_KEY, spreadScoreState(pod.pod, constraints, nodes, this.handle.nodes, requireAll));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<SpreadScoreState>(SCORE_KEY);
    return s === undefined ? 0 : spreadScore(s, pod.pod, node);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: Int32Array | number[]): void {
    const s = state.read<SpreadScoreState>(SCORE_KEY);
    if (s !== undefined) normalizeSpreadScores(s, scores);
  }

  /** Placed pods coming, going or relabelled; nodes added, removed, relabelled or retainted. */
  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ActionType.Add | ActionType.Delete | ANY_UPDATE },
      { resource: 'Node', actions: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
    ];
  }
}
