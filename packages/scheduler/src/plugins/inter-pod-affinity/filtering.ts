/**
 * InterPodAffinity's PreFilter state and Filter checks (kube-scheduler's `filtering.go`):
 * PreFilter counts, once per cycle, the matching pods per topology domain, so Filter decides
 * each node by a few map lookups.
 */
import type { Node, Pod } from '@skiff/api';
import type { ClusterObjects } from '../../framework/cluster-objects.js';
import type { NodeInfo, NodeInfoStore } from '../../framework/node-info.js';
import { countable, countedAffinity, countedAntiAffinity, countedExistingAntiAffinity, type CountedDomains } from './counted.js';
import {
  addToDomain as add,
  affinityTerms,
  domainCount,
  termMatchesPod,
  type AffinityTerm,
  type PodAffinityTerms,
  type TopologyCounts,
} from './terms.js';

/** What PreFilter computed for one pod. */
export interface AffinityFilterState {
  readonly terms: PodAffinityTerms;
  /** Existing pods whose required anti-affinity terms select the incoming pod, per domain. */
  readonly existingAntiAffinityCounts: TopologyCounts;
  /** Existing pods that match all of the incoming pod's required affinity terms, per domain. */
  readonly affinityCounts: TopologyCounts;
  /** Existing pods that match one of the incoming pod's required anti-affinity terms, per domain (per term). */
  readonly antiAffinityCounts: TopologyCounts;
  /** The non-empty entries of {@link antiAffinityCounts}, as checks for the per-node loop. */
  readonly antiAffinityChecks: readonly DomainCheck[];
  /** The non-empty entries of {@link existingAntiAffinityCounts}, as checks for the per-node loop. */
  readonly existingAntiAffinityChecks: readonly DomainCheck[];
}

/**
 * One per-node check, "the node's domain of `key` has a count": by domain id (`slot` into
 * `NodeInfo.domainIds`, `byId` the counts per id) when the store's counts made it, else by
 * label value.
 */
interface DomainCheck {
  readonly key: string;
  readonly byValue: ReadonlyMap<string, number>;
  readonly slot: number;
  readonly byId: readonly number[] | null;
}

/** The checks of the non-empty domain counts; by id where `sources` names the store's counts. */
function domainChecks(counts: TopologyCounts, sources?: CountedDomains['sources']): DomainCheck[] {
  const checks: DomainCheck[] = [];
  for (const [key, byValue] of counts) {
    if (byValue.size === 0) continue;
    const ids = sources?.get(key)?.domainIdCounts(key);
    checks.push({ key, byValue, slot: ids?.slot ?? -1, byId: ids?.counts ?? null });
  }
  return checks;
}

/** True when the node's domain for one of the checks' keys has a count. */
function inCountedDomain(checks: readonly DomainCheck[], node: NodeInfo): boolean {
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (c.byId !== null) {
      const id = node.domainIds[c.slot];
      if (id !== undefined && id >= 0 && (c.byId[id] ?? 0) > 0) return true;
      continue;
    }
    const value = node.node.metadata?.labels?.[c.key];
    if (value !== undefined && (c.byValue.get(value) ?? 0) > 0) return true;
  }
  return false;
}

/** True when `pod` matches every term (an affinity series needs all of them). */
export function matchesAllTerms(terms: readonly AffinityTerm[], pod: Pod, objects: ClusterObjects): boolean {
  for (const t of terms) if (!termMatchesPod(t, pod, objects)) return false;
  return terms.length > 0;
}

/**
 * Existing pods' required anti-affinity terms that select the incoming pod, counted in the
 * domains of the nodes those pods run on.
 */
function existingAntiAffinity(pod: Pod, nodes: Iterable<NodeInfo>, objects: ClusterObjects): TopologyCounts {
  const counts: TopologyCounts = new Map();
  for (const node of nodes) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const t of affinityTerms(existing).requiredAntiAffinity) {
        if (termMatchesPod(t, pod, objects)) add(counts, node.node, t.topologyKey, 1);
      }
    }
  }
  return counts;
}

/**
 * The state for one cycle, from the store's incremental counts (the incoming pod's own terms
 * from scratch when one has a namespaceSelector). The count maps may be the store's live
 * ones: valid for this cycle.
 */
export function preFilterState(pod: Pod, store: NodeInfoStore, objects: ClusterObjects): AffinityFilterState {
  const terms = affinityTerms(pod);
  const { requiredAffinity, requiredAntiAffinity } = terms;
  const existing = countedExistingAntiAffinity(store, pod, objects);
  const existingAntiAffinityCounts = existing.counts;
  const existingAntiAffinityChecks = domainChecks(existing.counts, existing.sources);
  if (!countable(requiredAffinity) || !countable(requiredAntiAffinity)) {
    const own = preFilterStateFromScratch(pod, store.list(), [], objects);
    // The own counts come from scratch (its existing-pods part is replaced).
    return { ...own, existingAntiAffinityCounts, existingAntiAffinityChecks };
  }
  const anti = countedAntiAffinity(store, requiredAntiAffinity, objects);
  return {
    terms,
    existingAntiAffinityCounts,
    existingAntiAffinityChecks,
    affinityCounts: countedAffinity(store, requiredAffinity, objects),
    antiAffinityCounts: anti.counts,
    antiAffinityChecks: domainChecks(anti.counts, anti.sources),
  };
}

/**
 * The state counted over every placed pod (the reference the incremental counts equal):
 * `nodes` every node, `antiAffinityNodes` those holding pods with required anti-affinity.
 */
export function preFilterStateFromScratch(
  pod: Pod,
  nodes: readonly NodeInfo[],
  antiAffinityNodes: Iterable<NodeInfo>,
  objects: ClusterObjects,
): AffinityFilterState {
  const terms = affinityTerms(pod);
  const affinityCounts: TopologyCounts = new Map();
  const antiAffinityCounts: TopologyCounts = new Map();
  const { requiredAffinity, requiredAntiAffinity } = terms;
  if (requiredAffinity.length > 0 || requiredAntiAffinity.length > 0) {
    for (const node of nodes) {
      for (const existing of node.pods) {
        if (requiredAffinity.length > 0 && matchesAllTerms(requiredAffinity, existing, objects)) {
          for (const t of requiredAffinity) add(affinityCounts, node.node, t.topologyKey, 1);
        }
        for (const t of requiredAntiAffinity) {
          if (termMatchesPod(t, existing, objects)) add(antiAffinityCounts, node.node, t.topologyKey, 1);
        }
      }
    }
  }
  const existingAntiAffinityCounts = existingAntiAffinity(pod, antiAffinityNodes, objects);
  return {
    terms,
    existingAntiAffinityCounts,
    existingAntiAffinityChecks: domainChecks(existingAntiAffinityCounts),
    affinityCounts,
    antiAffinityCounts,
    antiAffinityChecks: domainChecks(antiAffinityCounts),
  };
}

/**
 * The node is in a domain with pods matching every required affinity term. Exception, so a
 * series can start: no pod matches anywhere and the incoming pod matches its own terms.
 */
export function satisfiesPodAffinity(state: AffinityFilterState, pod: Pod, node: Node, objects: ClusterObjects): boolean {
  const terms = state.terms.requiredAffinity;
  if (terms.length === 0) return true;
  const labels = node.metadata?.labels ?? {};
  let podsExist = true;
  for (const t of terms) {
    const value = labels[t.topologyKey];
    // Every topology key must be on the node.
    if (value === undefined) return false;
    if (domainCount(state.affinityCounts, t.topologyKey, value) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  return noDomainCounts(state.affinityCounts) && matchesAllTerms(terms, pod, objects);
}

/** True when no domain has a count. */
function noDomainCounts(counts: TopologyCounts): boolean {
  for (const byValue of counts.values()) if (byValue.size > 0) return false;
  return true;
}

/** No pod in the node's domain matches one of the incoming pod's required anti-affinity terms. */
export function satisfiesPodAntiAffinity(state: AffinityFilterState, node: NodeInfo): boolean {
  return !inCountedDomain(state.antiAffinityChecks, node);
}

/** No existing pod's required anti-affinity term rejects the incoming pod in the node's domains. */
export function satisfiesExistingPodsAntiAffinity(state: AffinityFilterState, node: NodeInfo): boolean {
  return !inCountedDomain(state.existingAntiAffinityChecks, node);
}
