/**
 * What the garbage collector does with an object that has owner references
 * and is not being deleted, given the state of each owner (upstream's
 * attemptToDeleteItem, as a pure function):
 * - an unresolvable reference (a kind not served, or a namespaced owner of a
 *   cluster-scoped object) keeps the object as it is;
 * - at least one solid owner (present, not deleting its dependents in the
 *   foreground): the object stays; references to absent owners and to owners
 *   waiting for their dependents are removed;
 * - otherwise the object is garbage. When an owner is waiting for it in the
 *   foreground and it has dependents of its own, it is deleted in the
 *   foreground too (first making its references non-blocking when one of its
 *   dependents is also deleting dependents, which could otherwise wait in a
 *   cycle); else with the policy its own finalizers ask for, Background by default.
 */
import { FOREGROUND_DELETION_FINALIZER, ORPHAN_FINALIZER, type DeletionPropagation } from '@skiff/api';
import type { OwnerReference } from '../shared/owner-references.js';
import type { OwnerState } from './owner-lookup.js';

export type GcDecision =
  | { action: 'keep'; reason: string }
  | { action: 'removeReferences'; uids: string[] }
  | { action: 'delete'; policy: DeletionPropagation; unblockUids: string[] };

/** What the collector knows about the object itself. */
export interface ItemFacts {
  finalizers: readonly string[];
  /** The graph holds objects that reference it. */
  hasDependents: boolean;
  /** One of those is itself being deleted in the foreground. */
  dependentDeletingDependents: boolean;
}

export function decide(owners: ReadonlyArray<{ ref: OwnerReference; owner: OwnerState }>, item: ItemFacts): GcDecision {
  const unresolvable = owners.find((o) => o.owner.state === 'unresolvable');
  if (unresolvable !== undefined && unresolvable.owner.state === 'unresolvable')
    return { action: 'keep', reason: unresolvable.owner.reason };
  const solid = owners.filter((o) => o.owner.state === 'present' && !o.owner.deletingDependents);
  const dangling = owners.filter((o) => o.owner.state === 'absent').map((o) => o.ref.uid);
  const waiting = owners.filter((o) => o.owner.state === 'present' && o.owner.deletingDependents).map((o) => o.ref.uid);
  if (solid.length > 0) {
    const uids = [...dangling, ...waiting];
    return uids.length === 0 ? { action: 'keep', reason: 'it has an owner' } : { action: 'removeReferences', uids };
  }
  if (waiting.length > 0 && item.hasDependents) {
    return { action: 'delete', policy: 'Foreground', unblockUids: item.dependentDeletingDependents ? waiting : [] };
  }
  let policy: DeletionPropagation = 'Background';
  if (item.finalizers.includes(ORPHAN_FINALIZER)) policy = 'Orphan';
  else if (item.finalizers.includes(FOREGROUND_DELETION_FINALIZER)) policy = 'Foreground';
  return { action: 'delete', policy, unblockUids: [] };
}
