/**
 * Scaling a Deployment that is not rolling out (upstream's sync.go): a paused
 * Deployment, or a change of spec.replicas (a "scaling event": an active
 * ReplicaSet's desired-replicas annotation differs from spec.replicas).
 * With one active ReplicaSet it takes the whole count; mid-rollout every
 * active ReplicaSet is scaled in proportion to its size (leftovers to the
 * largest), so the ratio of old to new pods is kept. Also the clean-up of old
 * ReplicaSets beyond revisionHistoryLimit.
 */
import { ApiError, REPLICASETS, type ReplicaSet } from '@skiff/api';
import { activeReplicaSets, desiredReplicas, isRollingUpdate, maxSurge, replicaCount, specReplicas } from '../shared/rollout-math.js';
import { desiredReplicasAnnotation, maxReplicasAnnotation, revisionOf } from './annotations.js';
import type { Rollout } from './context.js';
import { byCreation, getAllReplicaSetsAndSyncRevision, type ReplicaSetsOfDeployment } from './new-replicaset.js';
import { syncDeploymentStatus } from './progress.js';

/** Whether spec.replicas changed since the active ReplicaSets were last scaled (upstream's isScalingEvent). */
export function isScalingEvent(r: Rollout, found: ReplicaSetsOfDeployment): boolean {
  const all = found.newRS === undefined ? found.oldRSs : [...found.oldRSs, found.newRS];
  return activeReplicaSets(all).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== desiredReplicas(r.d);
  });
}

/** The only active ReplicaSet, or the newest when none is active; undefined when several are (upstream's FindActiveOrLatest). */
function activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort(byCreation).reverse();
  const active = activeReplicaSets(newRS === undefined ? newestFirst : [...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** Whether the new ReplicaSet already runs every desired pod, available (upstream's IsSaturated). */
function isSaturated(r: Rollout, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = desiredReplicas(r.d);
  return desiredReplicasAnnotation(rs) === desired && specReplicas(rs) === desired && (rs.status?.availableReplicas ?? 0) === desired;
}

/** The replicas to add to (or, negative, remove from) rs in a proportional scale (upstream's GetProportion). */
function proportion(r: Rollout, rs: ReplicaSet, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const desired = desiredReplicas(r.d);
  let fraction: number;
  if (desired === 0) fraction = -specReplicas(rs);
  else {
    const maxReplicas = desired + maxSurge(r.d);
    let before = maxReplicasAnnotation(rs) ?? 0;
    if (before === 0) before = r.d.status?.replicas ?? 0;
    fraction = before === 0 ? 0 : Math.round((specReplicas(rs) * maxReplicas) / before) - specReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Scales the ReplicaSets to spec.replicas (upstream's scale). */
export async function scale(r: Rollout, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const desired = desiredReplicas(r.d);
  const single = activeOrLatest(newRS, oldRSs);
  if (single !== undefined) {
    if (specReplicas(single) !== desired) await r.scaleReplicaSetTo(single, desired);
    return;
  }
  if (isSaturated(r, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await r.scaleReplicaSetTo(old, 0);
    return;
  }
  if (!isRollingUpdate(r.d)) return;
  const all = activeReplicaSets(newRS === undefined ? oldRSs : [...oldRSs, newRS]);
  const allowed = desired > 0 ? desired + maxSurge(r.d) : 0;
  const toAdd = allowed - replicaCount(all);
  if (toAdd === 0) return;
  // Larger first; among equals newer first when growing, older first when shrinking.
  all.sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of all) {
    const p = proportion(r, rs, toAdd, added);
    sizes.set(rs, specReplicas(rs) + p);
    added += p;
  }
  const first = all[0];
  if (first !== undefined) sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  for (const rs of all) await r.scaleReplicaSet(rs, sizes.get(rs) ?? specReplicas(rs), toAdd > 0 ? 'up' : 'down');
}

/** Deletes the oldest old ReplicaSets beyond revisionHistoryLimit that are fully scaled down (upstream's cleanupDeployment). */
export async function cleanupDeployment(r: Rollout, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const limit = r.d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  for (const rs of cleanable.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
    if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      await r.ctx.client.delete(REPLICASETS, r.namespace, rs.metadata?.name ?? '', { uid: rs.metadata?.uid ?? '' });
      r.ctx.logger.debug({ deployment: `${r.namespace}/${r.name}`, replicaset: rs.metadata?.name }, 'deleted old replica set');
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}

/** A sync that only scales: paused Deployments and scaling events (upstream's sync). */
export async function syncScaling(r: Rollout, sets: readonly ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(r, sets, false);
  await scale(r, newRS, oldRSs);
  if (r.d.spec?.paused === true) await cleanupDeployment(r, oldRSs);
  await syncDeploymentStatus(r, [...oldRSs, newRS], newRS);
}

/** A Deployment being deleted: status only (upstream's syncStatusOnly). */
export async function syncStatusOnly(r: Rollout, sets: readonly ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(r, sets, false);
  await syncDeploymentStatus(r, [...oldRSs, newRS], newRS);
}
