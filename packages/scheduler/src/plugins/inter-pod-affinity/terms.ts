/**
 * Pod affinity terms as kube-scheduler reads them (`framework.AffinityTerm`): a label selector
 * over pods, the namespaces it applies to, and the node label (topology key) that defines
 * "the same place". Parsed once per Pod object and cached.
 */
import type { LabelSelectorSpec, Node, Pod } from '@skiff/api';
import type { ClusterObjects } from '../../framework/cluster-objects.js';
import { compileSelector, type LabelMatcher } from '../label-selector.js';

/** One term. `weight` is 0 for required terms. */
export interface AffinityTerm {
  readonly topologyKey: string;
  /** The label selector over pods: none matches no pod; `{}` matches every pod. */
  readonly selects: LabelMatcher;
  /** Namespaces named by the term (the pod's own when neither these nor a selector are given). */
  readonly namespaces: ReadonlySet<string>;
  /** Null: only {@link namespaces}; `{}`: every namespace; else namespaces whose labels it matches. */
  readonly namespaceSelector: LabelMatcher | null;
  readonly weight: number;
  /**
   * Which pods the term selects, as text (namespaces, namespace selector, label selector):
   * terms with the same text select the same pods.
   */
  readonly selectionKey: string;
}

/** Every pod (anti-)affinity term of one pod. */
export interface PodAffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly AffinityTerm[];
  readonly preferredAntiAffinity: readonly AffinityTerm[];
}

interface RawTerm {
  topologyKey: string;
  labelSelector?: LabelSelectorSpec;
  namespaces?: string[];
  namespaceSelector?: LabelSelectorSpec;
}

function term(raw: RawTerm, namespace: string, weight: number): AffinityTerm {
  const namespaces = raw.namespaces ?? [];
  const namespaceSelector = raw.namespaceSelector ?? null;
  const effective = namespaces.length === 0 && namespaceSelector === null ? [namespace] : [...new Set(namespaces)].sort();
  return {
    topologyKey: raw.topologyKey,
    selects: compileSelector(raw.labelSelector ?? null),
    namespaces: new Set(effective),
    namespaceSelector: namespaceSelector === null ? null : compileSelector(namespaceSelector),
    weight,
    selectionKey: JSON.stringify([effective, namespaceSelector, raw.labelSelector ?? null]),
  };
}

const cache = new WeakMap<Pod, PodAffinityTerms>();

/** The pod's terms (cached per Pod object: informers hand out a new object on every change). */
export function affinityTerms(pod: Pod): PodAffinityTerms {
  let terms = cache.get(pod);
  if (terms !== undefined) return terms;
  const ns = pod.metadata?.namespace ?? 'default';
  const a = pod.spec?.affinity;
  const required = (list: RawTerm[] | undefined): AffinityTerm[] => (list ?? []).map((t) => term(t, ns, 0));
  const preferred = (list: Array<{ weight: number; podAffinityTerm: RawTerm }> | undefined): AffinityTerm[] =>
    (list ?? []).filter((w) => w.weight !== 0).map((w) => term(w.podAffinityTerm, ns, w.weight));
  terms = {
    requiredAffinity: required(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinity: required(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinity: preferred(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: preferred(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
  cache.set(pod, terms);
  return terms;
}

/** True when the term selects `pod`: its namespace is one of the term's and its labels match. */
export function termMatchesPod(t: AffinityTerm, pod: Pod, objects: ClusterObjects): boolean {
  if (!t.selects(pod.metadata?.labels)) return false;
  const ns = pod.metadata?.namespace ?? 'default';
  return t.namespaces.has(ns) || (t.namespaceSelector !== null && t.namespaceSelector(objects.namespaceLabels(ns) ?? {}));
}

/** Counts (or scores) per topology domain: node label key → label value → number. */
export type TopologyCounts = Map<string, Map<string, number>>;

/** Adds `n` to the domain of `node` for `topologyKey` (nothing when the node lacks the label). */
export function addToDomain(counts: TopologyCounts, node: Node, topologyKey: string, n: number): void {
  const value = node.metadata?.labels?.[topologyKey];
  if (value === undefined) return;
  let byValue = counts.get(topologyKey);
  if (byValue === undefined) {
    byValue = new Map();
    counts.set(topologyKey, byValue);
  }
  byValue.set(value, (byValue.get(value) ?? 0) + n);
}

/** The number of the domain `value` of `topologyKey` (0 when none). */
export function domainCount(counts: TopologyCounts, topologyKey: string, value: string): number {
  return counts.get(topologyKey)?.get(value) ?? 0;
}
