/**
 * Rollout arithmetic of the Deployment controller, as upstream's
 * deployment/util: maxSurge and maxUnavailable (ints or percentages of the
 * desired replicas; surge rounds up, unavailable rounds down; both 0 means
 * unavailable 1), and the replica sums over ReplicaSets.
 */
import type { Deployment, ReplicaSet } from '@skiff/api';

export type IntOrPercent = number | string;

/** The default of both maxSurge and maxUnavailable. */
export const DEFAULT_ROLLING_PERCENT = '25%';

/**
 * The value of an int or a percentage of total (upstream's
 * GetScaledValueFromIntOrPercent). Throws on a string that is not `<int>%`.
 */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(-?\d+)%$/.exec(value.trim());
  if (m === null) throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)} is not an integer or a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** maxSurge and maxUnavailable resolved against desired, never both 0 (upstream's ResolveFenceposts). */
export function resolveFenceposts(
  maxSurge: IntOrPercent | undefined,
  maxUnavailable: IntOrPercent | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? DEFAULT_ROLLING_PERCENT, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? DEFAULT_ROLLING_PERCENT, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** How many pods above the desired count a rolling update may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d)).surge;
}

/** How many of the desired pods may be unavailable during a rolling update (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desired).unavailable, desired);
}

export function specReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

/** Sum of spec.replicas (upstream's GetReplicaCountForReplicaSets). */
export function replicaCount(sets: readonly ReplicaSet[]): number {
  return sets.reduce((n, rs) => n + specReplicas(rs), 0);
}

/** Sum of status.replicas (upstream's GetActualReplicaCountForReplicaSets). */
export function actualReplicaCount(sets: readonly ReplicaSet[]): number {
  return sets.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(sets: readonly ReplicaSet[]): number {
  return sets.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(sets: readonly ReplicaSet[]): number {
  return sets.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
}

/**
 * The most pods a ReplicaSet may have right now: its spec, or more while it
 * still has pods it is about to delete. Upstream counts spec.replicas only; we
 * count what may still exist, so maxSurge holds for the pods themselves even
 * while a ReplicaSet lags behind its spec.
 */
export function podCeiling(rs: ReplicaSet): number {
  return Math.max(specReplicas(rs), rs.status?.replicas ?? 0);
}

/**
 * The available pods a ReplicaSet will still have once it reaches its spec:
 * pods above spec.replicas are about to go. Upstream reads status alone; we
 * cap it, so maxUnavailable holds even while a ReplicaSet's status lags.
 */
export function availableFloor(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
}

/** ReplicaSets with spec.replicas > 0 (upstream's FilterActiveReplicaSets). */
export function activeReplicaSets(sets: readonly ReplicaSet[]): ReplicaSet[] {
  return sets.filter((rs) => specReplicas(rs) > 0);
}

/**
 * The spec.replicas the new ReplicaSet should have now (upstream's
 * NewRSNewReplicas): for a rolling update, as many more as maxSurge allows
 * over every ReplicaSet's pods, up to the desired count; for Recreate, the
 * desired count.
 */
export function newReplicaSetReplicas(d: Deployment, allSets: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const current = allSets.reduce((n, rs) => n + podCeiling(rs), 0);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, scaleUp);
}
