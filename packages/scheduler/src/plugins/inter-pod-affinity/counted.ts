/**
 * InterPodAffinity's per-domain counts read from the node store's incremental counts
 * ({@link PodCountRegistry}) instead of testing every placed pod in each cycle:
 * - the incoming pod's required terms: the counts of the pods each term selects (kept per term
 *   selection; terms with a namespaceSelector depend on namespace labels, so those are
 *   counted from scratch by the caller);
 * - the placed pods' required anti-affinity terms: grouped by term, each group with the
 *   domains of its pods, so a cycle tests each distinct term once against the incoming pod.
 * The maps returned are the store's live ones (or sums of them): valid for one cycle.
 */
import type { Pod } from '@skiff/api';
import type { ClusterObjects } from '../../framework/cluster-objects.js';
import type { NodeInfoStore } from '../../framework/node-info.js';
import type { PodClassifier, PodCounts } from '../../framework/pod-counts.js';
import { affinityTerms, termMatchesPod, type AffinityTerm, type TopologyCounts } from './terms.js';

/**
 * Domain counts per topology key, and where each came from: the store's counts when one
 * source made it (its domain-id counts then serve per-node checks), null for a sum.
 */
export interface CountedDomains {
  readonly counts: TopologyCounts;
  readonly sources: ReadonlyMap<string, PodCounts | null>;
}

/** Adds the source's domains under `topologyKey`: its live map when it is the first, else a sum in a new map. */
function addDomains(
  into: { counts: TopologyCounts; sources: Map<string, PodCounts | null> },
  topologyKey: string,
  source: PodCounts,
): void {
  const domains = source.domains(topologyKey);
  const known = into.counts.get(topologyKey);
  if (known === undefined) {
    into.counts.set(topologyKey, domains as Map<string, number>);
    into.sources.set(topologyKey, source);
    return;
  }
  const sum = new Map(known);
  for (const [value, n] of domains) sum.set(value, (sum.get(value) ?? 0) + n);
  into.counts.set(topologyKey, sum);
  into.sources.set(topologyKey, null);
}

/** True when the counts of none of the terms depend on namespace labels. */
export function countable(terms: readonly AffinityTerm[]): boolean {
  return terms.every((t) => t.namespaceSelector === null);
}

/**
 * Placed pods matching every required affinity term, counted in each term's topology
 * domains; for {@link countable} terms only.
 */
export function countedAffinity(store: NodeInfoStore, terms: readonly AffinityTerm[], objects: ClusterObjects): TopologyCounts {
  const counts: TopologyCounts = new Map();
  if (terms.length === 0) return counts;
  const key = `affinity-all\u0000${JSON.stringify(terms.map((t) => t.selectionKey))}`;
  const matching = store.podCounts.counts(key, (p) => (terms.every((t) => termMatchesPod(t, p, objects)) ? 1 : 0));
  for (const t of terms) if (!counts.has(t.topologyKey)) counts.set(t.topologyKey, matching.domains(t.topologyKey) as Map<string, number>);
  return counts;
}

/** Placed pods matching each required anti-affinity term, per term's domains; for {@link countable} terms only. */
export function countedAntiAffinity(store: NodeInfoStore, terms: readonly AffinityTerm[], objects: ClusterObjects): CountedDomains {
  const out = { counts: new Map(), sources: new Map() };
  for (const t of terms) {
    const matching = store.podCounts.counts(`term\u0000${t.selectionKey}`, (p) => (termMatchesPod(t, p, objects) ? 1 : 0));
    addDomains(out, t.topologyKey, matching);
  }
  return out;
}

/** Each required anti-affinity term of a placed pod, keyed by what it selects and where. */
const requiredAntiAffinityTerms: PodClassifier<AffinityTerm> = (pod) =>
  affinityTerms(pod).requiredAntiAffinity.map((t) => ({ key: `${t.topologyKey}\u0000${t.selectionKey}`, value: t }));

/** Placed pods' required anti-affinity terms that select `pod`, counted in the domains of those pods' nodes. */
export function countedExistingAntiAffinity(store: NodeInfoStore, pod: Pod, objects: ClusterObjects): CountedDomains {
  const out = { counts: new Map(), sources: new Map() };
  for (const { value: t, counts: placed } of store.podCounts.classes('requiredAntiAffinity', requiredAntiAffinityTerms).values()) {
    if (termMatchesPod(t, pod, objects)) addDomains(out, t.topologyKey, placed);
  }
  return out;
}
