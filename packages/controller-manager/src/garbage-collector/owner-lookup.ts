/**
 * Whether the owner an owner reference names still exists, as upstream's
 * isDangling decides it:
 * - the reference's apiVersion and kind must name a resource the apiserver
 *   serves, and a cluster-scoped dependent may only have cluster-scoped
 *   owners; otherwise the reference is unresolvable and never makes its
 *   dependent garbage;
 * - a namespaced owner is looked for in the dependent's namespace;
 * - an owner the graph holds with that uid exists; one the graph does not hold
 *   (a "virtual" owner: gone, or not seen yet) is verified with a live GET, and
 *   it is absent only when the GET answers 404 or an object with another uid.
 * Absent owners are remembered (a bounded cache) so many dependents of one
 * deleted owner cost one GET.
 */
import { findKind, FOREGROUND_DELETION_FINALIZER, type ResourceDescriptor } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { OwnerReference } from '../shared/owner-references.js';
import type { OwnerGraph } from './owner-graph.js';

export type OwnerState =
  | { state: 'present'; desc: ResourceDescriptor; deletingDependents: boolean }
  | { state: 'absent' }
  | { state: 'unresolvable'; reason: string };

/** The served resource an owner reference's apiVersion and kind name (any version of the group). */
export function ownerDescriptor(ref: OwnerReference): ResourceDescriptor | undefined {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return findKind(group, ref.kind);
}

export class OwnerLookup {
  /** `<namespace>/<uid>` of owners found absent, oldest first. */
  private readonly absent = new Set<string>();

  constructor(
    private readonly graph: OwnerGraph,
    private readonly client: ApiClient,
    private readonly absentCacheSize = 500,
  ) {}

  /** The state of the owner ref names, for a dependent in dependentNamespace ('' when cluster-scoped). */
  async resolve(ref: OwnerReference, dependentNamespace: string): Promise<OwnerState> {
    const desc = ownerDescriptor(ref);
    if (desc === undefined) return { state: 'unresolvable', reason: `${ref.apiVersion} ${ref.kind} is not served` };
    if (desc.namespaced && dependentNamespace === '') {
      return { state: 'unresolvable', reason: `a cluster-scoped object cannot be owned by the namespaced ${ref.kind} ${ref.name}` };
    }
    const namespace = desc.namespaced ? dependentNamespace : '';
    const cacheKey = `${namespace}/${ref.uid}`;
    if (this.absent.has(cacheKey)) return { state: 'absent' };
    const node = this.graph.get(ref.uid);
    if (node !== undefined && node.desc === desc && node.namespace === namespace && node.name === ref.name) {
      return { state: 'present', desc, deletingDependents: node.deletingDependents };
    }
    const live = await this.client.getOrUndefined(desc, namespace, ref.name);
    if (live === undefined || live.metadata?.uid !== ref.uid) {
      this.rememberAbsent(cacheKey);
      return { state: 'absent' };
    }
    const meta = live.metadata;
    const deletingDependents = meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).includes(FOREGROUND_DELETION_FINALIZER);
    return { state: 'present', desc, deletingDependents };
  }

  private rememberAbsent(key: string): void {
    this.absent.add(key);
    if (this.absent.size > this.absentCacheSize) {
      const oldest = this.absent.values().next().value;
      if (oldest !== undefined) this.absent.delete(oldest);
    }
  }
}
