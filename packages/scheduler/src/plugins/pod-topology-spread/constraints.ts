/**
 * Topology spread constraints as PodTopologySpread applies them: the pod's own
 * `topologySpreadConstraints`, or (when it has none) the cluster default constraints with a
 * selector built from the Services/ReplicaSets/... that select the pod. Also the node
 * inclusion policies and the pod count per node.
 */
import type { LabelSelectorSpec, Node, Pod } from '@skiff/api';
import type { ClusterObjects } from '../../framework/cluster-objects.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { compileSelector, type LabelMatcher } from '../label-selector.js';
import { anyTermMatches } from '../node-selector.js';
import { podTolerations, tolerated } from '../tolerations.js';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

export type WhenUnsatisfiable = 'DoNotSchedule' | 'ScheduleAnyway';
export type InclusionPolicy = 'Honor' | 'Ignore';

/** One constraint, with defaults filled in and matchLabelKeys folded into the selector. */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: WhenUnsatisfiable;
  /** The label selector over pods (none matches no pod). */
  readonly selects: LabelMatcher;
  /** The selector as text: constraints with the same text select the same pods. */
  readonly selectorKey: string;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: InclusionPolicy;
  readonly nodeTaintsPolicy: InclusionPolicy;
}

/** A default constraint (no selector: it comes from the pod's controllers). */
export interface DefaultConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: WhenUnsatisfiable;
}

/** Upstream's system default constraints (`defaultingType: System`). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly DefaultConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/** The selector with `key In (pod's value)` for each matchLabelKeys key the pod has. */
function withMatchLabelKeys(selector: LabelSelectorSpec | null, keys: readonly string[], pod: Pod): LabelSelectorSpec | null {
  if (selector === null || keys.length === 0) return selector;
  const labels = pod.metadata?.labels ?? {};
  const extra = keys.filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: 'In', values: [labels[k]!] }));
  return extra.length === 0 ? selector : { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
}

/** All requirements of several selectors, ANDed into one; null when there are none. */
function mergeSelectors(selectors: readonly LabelSelectorSpec[]): LabelSelectorSpec | null {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelectorSpec['matchExpressions']> = [];
  for (const s of selectors) {
    Object.assign(matchLabels, s.matchLabels ?? {});
    matchExpressions.push(...(s.matchExpressions ?? []));
  }
  return Object.keys(matchLabels).length === 0 && matchExpressions.length === 0 ? null : { matchLabels, matchExpressions };
}

/**
 * The constraints that apply to the pod with the given `whenUnsatisfiable`: its own when it has
 * any, else the defaults, which apply only when some Service/ReplicaSet/... selects the pod.
 */
export function podConstraints(
  pod: Pod,
  when: WhenUnsatisfiable,
  defaults: readonly DefaultConstraint[],
  objects: ClusterObjects,
): SpreadConstraint[] {
  const own = pod.spec?.topologySpreadConstraints ?? [];
  if (own.length > 0) {
    return own
      .filter((c) => c.whenUnsatisfiable === when)
      .map((c) => {
        const selector = withMatchLabelKeys(c.labelSelector ?? null, c.matchLabelKeys ?? [], pod);
        return {
          maxSkew: c.maxSkew,
          topologyKey: c.topologyKey,
          whenUnsatisfiable: when,
          selects: compileSelector(selector),
          selectorKey: JSON.stringify(selector),
          minDomains: c.minDomains ?? 1,
          nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
          nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
        };
      });
  }
  const chosen = defaults.filter((d) => d.whenUnsatisfiable === when);
  if (chosen.length === 0) return [];
  const selector = mergeSelectors(objects.podSelectors(pod));
  if (selector === null) return [];
  const selects = compileSelector(selector);
  const selectorKey = JSON.stringify(selector);
  return chosen.map((d) => ({ ...d, selects, selectorKey, minDomains: 1, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' }));
}

/** The pod's nodeSelector and required node affinity (NodeAffinity's filter). */
export function matchesRequiredNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || anyTermMatches(required.nodeSelectorTerms, node);
}

/**
 * Decides whether a node counts for a constraint under its nodeAffinityPolicy and
 * nodeTaintsPolicy; the pod's parts are read once, for every node of a cycle.
 */
export function inclusionCheck(pod: Pod): (c: SpreadConstraint, node: Node) => boolean {
  const spec = pod.spec;
  const affinityMatters =
    Object.keys(spec?.nodeSelector ?? {}).length > 0 ||
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
  const tolerations = podTolerations(pod);
  return (c, node) => {
    if (affinityMatters && c.nodeAffinityPolicy === 'Honor' && !matchesRequiredNodeAffinity(pod, node)) return false;
    if (c.nodeTaintsPolicy === 'Honor') {
      for (const t of node.spec?.taints ?? []) {
        if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(tolerations, t)) return false;
      }
    }
    return true;
  };
}

/** True when the node has every constraint's topology key. */
export function hasAllTopologyKeys(node: Node, constraints: readonly SpreadConstraint[]): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/** True when the constraint's selector matches the pod's labels. */
export function selects(c: SpreadConstraint, pod: Pod): boolean {
  return c.selects(pod.metadata?.labels);
}

/** True when the pod counts for the constraint: in `namespace`, not terminating, selected. */
export function countsFor(c: SpreadConstraint, pod: Pod, namespace: string): boolean {
  return (pod.metadata?.namespace ?? 'default') === namespace && pod.metadata?.deletionTimestamp === undefined && selects(c, pod);
}

/** Pods on the node in `namespace`, not terminating, that the constraint selects. */
export function countMatching(c: SpreadConstraint, node: NodeInfo, namespace: string): number {
  let n = 0;
  for (const p of node.pods) if (countsFor(c, p, namespace)) n++;
  return n;
}
