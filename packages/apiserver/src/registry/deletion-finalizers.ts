/**
 * Which garbage-collection finalizers a delete request puts on an object
 * (kube-apiserver's deletionFinalizersForGarbageCollection). In order of
 * precedence: the request's `orphanDependents` (deprecated) or
 * `propagationPolicy`; then a GC finalizer the object already carries (a
 * repeated delete keeps the first request's policy); then the resource's
 * default policy. `Orphan` adds `orphan`, `Foreground` adds
 * `foregroundDeletion`, `Background` adds neither; the other is removed, so an
 * object never carries both.
 */
import { FOREGROUND_DELETION_FINALIZER, ORPHAN_FINALIZER, type DeletionPropagation } from '@skiff/api';

/**
 * What happens to dependents when a delete request names no policy.
 * `DeleteDependents` (background) is upstream's default; `OrphanDependents`
 * is kept by upstream for legacy kinds only (core/v1 ReplicationControllers,
 * batch/v1 Jobs, the beta versions of the apps group), none of which Skiff serves.
 */
export type GarbageCollectionPolicy = 'DeleteDependents' | 'OrphanDependents';

/** The propagation parts of a delete request. */
export interface PropagationRequest {
  propagationPolicy?: DeletionPropagation | undefined;
  orphanDependents?: boolean | undefined;
}

function effectivePolicy(existing: readonly string[], request: PropagationRequest, fallback: GarbageCollectionPolicy): DeletionPropagation {
  if (request.orphanDependents !== undefined) return request.orphanDependents ? 'Orphan' : 'Background';
  if (request.propagationPolicy !== undefined) return request.propagationPolicy;
  for (const f of existing) {
    if (f === ORPHAN_FINALIZER) return 'Orphan';
    if (f === FOREGROUND_DELETION_FINALIZER) return 'Foreground';
  }
  return fallback === 'OrphanDependents' ? 'Orphan' : 'Background';
}

/** The object's finalizers after this delete request, or undefined when they stay as they are. */
export function deletionFinalizers(
  existing: readonly string[],
  request: PropagationRequest,
  fallback: GarbageCollectionPolicy = 'DeleteDependents',
): string[] | undefined {
  const policy = effectivePolicy(existing, request, fallback);
  const next = existing.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_DELETION_FINALIZER);
  if (policy === 'Orphan') next.push(ORPHAN_FINALIZER);
  if (policy === 'Foreground') next.push(FOREGROUND_DELETION_FINALIZER);
  const same = next.length === existing.length && next.every((f) => existing.includes(f));
  return same ? undefined : next;
}
