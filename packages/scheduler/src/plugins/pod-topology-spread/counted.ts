/**
 * PodTopologySpread's domain counts read from the node store's incremental counts
 * ({@link PodCountRegistry}) instead of a pass over every pod on every node: O(domains) per
 * cycle. Applies when every node that has the constraints' topology keys counts, which is when
 * no inclusion policy leaves a node out (the pod has no node selector or required node
 * affinity, or the policy is Ignore; nodeTaintsPolicy Ignore or no node has a hard taint) and
 * every node has all the keys or the constraints use one key; otherwise the caller counts from
 * scratch.
 */
import type { Pod } from '@skiff/api';
import type { DomainCounts, PodCounts } from '../../framework/pod-counts.js';
import type { NodeInfoStore } from '../../framework/node-info.js';
import { countsFor, type SpreadConstraint } from './constraints.js';

/** The store's counts of the pods the constraint counts for a pod in `namespace`. */
export function constraintCounts(store: NodeInfoStore, c: SpreadConstraint, namespace: string): PodCounts {
  return store.podCounts.counts(`spread\u0000${namespace}\u0000${c.selectorKey}`, (p) => (countsFor(c, p, namespace) ? 1 : 0));
}

function nodesWithKey(store: NodeInfoStore, key: string): number {
  let n = 0;
  for (const count of store.podCounts.domainsOf(key).values()) n += count;
  return n;
}

/** True when every node with the constraints' topology keys counts (see the file comment). */
export function everyNodeCounts(pod: Pod, constraints: readonly SpreadConstraint[], store: NodeInfoStore): boolean {
  const spec = pod.spec;
  const affinityMatters =
    Object.keys(spec?.nodeSelector ?? {}).length > 0 ||
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
  for (const c of constraints) {
    if (affinityMatters && c.nodeAffinityPolicy === 'Honor') return false;
    if (c.nodeTaintsPolicy === 'Honor' && store.anyHardTaint()) return false;
  }
  const keys = new Set(constraints.map((c) => c.topologyKey));
  if (keys.size <= 1) return true;
  for (const key of keys) if (nodesWithKey(store, key) !== store.size) return false;
  return true;
}

/**
 * The smallest count over the domains (label value → nodes) of the constraint's key; 0 when
 * fewer domains than minDomains exist. `counts` holds only values with a count above 0, all of
 * them domains, so a domain missing from it has 0.
 */
export function countedMinimum(c: SpreadConstraint, domains: DomainCounts, counts: DomainCounts): number {
  if (domains.size < c.minDomains || counts.size < domains.size) return 0;
  let min = Infinity;
  for (const n of counts.values()) if (n < min) min = n;
  return min === Infinity ? 0 : min;
}
