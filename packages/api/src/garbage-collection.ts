/**
 * The vocabulary of cascading deletion, shared by the apiserver (which puts
 * the finalizers on an object being deleted) and the garbage collector (which
 * acts on them and removes them).
 */

/** How dependents are treated when their owner is deleted (DeleteOptions.propagationPolicy). */
export type DeletionPropagation = 'Orphan' | 'Background' | 'Foreground';

/** The propagation policies the API accepts, in Kubernetes' order. */
export const DELETION_PROPAGATIONS: readonly DeletionPropagation[] = ['Foreground', 'Background', 'Orphan'];

/** Set on an owner deleted in the foreground: it stays until its blocking dependents are gone. */
export const FOREGROUND_DELETION_FINALIZER = 'foregroundDeletion';

/** Set on an owner deleted with the orphan policy: it stays until its dependents no longer reference it. */
export const ORPHAN_FINALIZER = 'orphan';

/** Whether value is one of the accepted propagation policies. */
export function isDeletionPropagation(value: unknown): value is DeletionPropagation {
  return typeof value === 'string' && (DELETION_PROPAGATIONS as readonly string[]).includes(value);
}
