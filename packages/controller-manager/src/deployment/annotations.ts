/**
 * The annotations a Deployment and its ReplicaSets carry (upstream's
 * deployment/util):
 * - `deployment.kubernetes.io/revision`: on each ReplicaSet, the rollout it
 *   belongs to (increasing); on the Deployment, the revision of its new one;
 * - `deployment.kubernetes.io/revision-history`: earlier revisions of a
 *   ReplicaSet that was rolled back to;
 * - `deployment.kubernetes.io/desired-replicas` and `.../max-replicas`: the
 *   Deployment's replicas and replicas + maxSurge when the ReplicaSet was last
 *   scaled (proportional scaling reads them).
 * The Deployment's other annotations (change-cause among them, its traceparent
 * not) are copied to its new ReplicaSet, which is where `kubectl rollout history` reads them.
 */
import type { Deployment, ReplicaSet } from '@skiff/api';
import { TRACEPARENT_ANNOTATION } from '@skiff/telemetry';
import { desiredReplicas, maxSurge } from '../shared/rollout-math.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** Upstream's limit on the revision-history annotation. */
const MAX_REVISION_HISTORY_CHARS = 2000;

const NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
  // A ReplicaSet's trace context is its own create request's (a child of the Deployment's sync).
  TRACEPARENT_ANNOTATION,
]);

/** A ReplicaSet's revision (0 when unset or malformed). */
export function revisionOf(obj: ReplicaSet | Deployment): number {
  const n = Number.parseInt(obj.metadata?.annotations?.[REVISION_ANNOTATION] ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

export function maxRevision(sets: readonly ReplicaSet[]): number {
  return sets.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** The desired-replicas annotation of a ReplicaSet, if present and valid. */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const raw = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  const n = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** The max-replicas annotation of a ReplicaSet, if present and valid. */
export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const raw = rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION];
  const n = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : undefined;
}

function annotationsOf(obj: ReplicaSet | Deployment): Record<string, string> {
  obj.metadata ??= {};
  obj.metadata.annotations ??= {};
  return obj.metadata.annotations;
}

/** Sets desired-replicas and max-replicas from the Deployment; true when they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, d: Deployment): boolean {
  const desired = String(desiredReplicas(d));
  const max = String(desiredReplicas(d) + maxSurge(d));
  const a = annotationsOf(rs);
  if (a[DESIRED_REPLICAS_ANNOTATION] === desired && a[MAX_REPLICAS_ANNOTATION] === max) return false;
  a[DESIRED_REPLICAS_ANNOTATION] = desired;
  a[MAX_REPLICAS_ANNOTATION] = max;
  return true;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, d: Deployment): boolean {
  const a = rs.metadata?.annotations ?? {};
  return (
    a[DESIRED_REPLICAS_ANNOTATION] !== String(desiredReplicas(d)) || a[MAX_REPLICAS_ANNOTATION] !== String(desiredReplicas(d) + maxSurge(d))
  );
}

/**
 * Prepares the annotations of the Deployment's new ReplicaSet (upstream's
 * SetNewReplicaSetAnnotations): copies the Deployment's annotations, raises
 * the revision to newRevision (remembering the old one in revision-history
 * when this is a rollback to an existing ReplicaSet), and for a ReplicaSet
 * about to be created, sets the replicas annotations. True when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const oldRaw = a[REVISION_ANNOTATION];
  const oldRevision = oldRaw === undefined ? 0 : Number.parseInt(oldRaw, 10);
  if (!Number.isFinite(oldRevision)) return changed;
  if (oldRevision < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRaw !== undefined) {
      const history = (a[REVISION_HISTORY_ANNOTATION] ?? '').split(',').filter((r) => r !== '');
      history.push(oldRaw);
      while (history.join(',').length > MAX_REVISION_HISTORY_CHARS && history.length > 1) history.shift();
      a[REVISION_HISTORY_ANNOTATION] = history.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, d)) changed = true;
  return changed;
}

/** Sets the Deployment's revision annotation; true when it changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const a = annotationsOf(d);
  if (a[REVISION_ANNOTATION] === revision) return false;
  a[REVISION_ANNOTATION] = revision;
  return true;
}
