/**
 * Pod affinity terms as kube-scheduler reads them (`framework.AffinityTerm`): a label selector
 * over pods, the namespaces it applies to, and the node label (topology key) that defines
 * "the same place". Parsed once per Pod object and cached.
 */
import { structuredSelectorMatches, type LabelSelectorSpec, type Pod } from '@skiff/api';
import type { ClusterObjects } from '../../framework/cluster-objects.js';

/** One term. `weight` is 0 for required terms. */
export interface AffinityTerm {
  readonly topologyKey: string;
  /** Null (no selector) matches no pod; `{}` matches every pod. */
  readonly selector: LabelSelectorSpec | null;
  /** Namespaces named by the term (the pod's own when neither these nor a selector are given). */
  readonly namespaces: ReadonlySet<string>;
  /** Null: only {@link namespaces}; `{}`: every namespace. */
  readonly namespaceSelector: LabelSelectorSpec | null;
  readonly weight: number;
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
  return {
    topologyKey: raw.topologyKey,
    selector: raw.labelSelector ?? null,
    namespaces: new Set(namespaces.length === 0 && namespaceSelector === null ? [namespace] : namespaces),
    namespaceSelector,
    weight,
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

function isEmptySelector(s: LabelSelectorSpec): boolean {
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/** True when the term selects `pod`: its namespace is one of the term's and its labels match. */
export function termMatchesPod(t: AffinityTerm, pod: Pod, objects: ClusterObjects): boolean {
  if (t.selector === null) return false;
  const ns = pod.metadata?.namespace ?? 'default';
  if (!t.namespaces.has(ns)) {
    const sel = t.namespaceSelector;
    if (sel === null) return false;
    if (!isEmptySelector(sel) && !structuredSelectorMatches(sel, objects.namespaceLabels(ns) ?? {})) return false;
  }
  return structuredSelectorMatches(t.selector, pod.metadata?.labels);
}

/** The key of a topology domain: a node label key and its value. */
export function topologyPair(key: string, value: string): string {
  return `${key}\u0000${value}`;
}
