/**
 * The RollingUpdate strategy (upstream's rolling.go): each sync either scales
 * the new ReplicaSet up within maxSurge, or scales old ones down within
 * maxUnavailable (first the old pods that are not available, then available
 * ones, oldest ReplicaSet first), and cleans up history once complete.
 *
 * Stricter than upstream, so the bounds hold for the pods themselves while
 * ReplicaSets lag behind their spec: a ReplicaSet counts toward the surge with
 * max(spec, status) replicas, and toward availability with at most spec
 * available replicas (see podCeiling and availableFloor).
 */
import type { ReplicaSet } from '@skiff/api';
import {
  activeReplicaSets,
  availableFloor,
  desiredReplicas,
  maxUnavailable,
  newReplicaSetReplicas,
  replicaCount,
  specReplicas,
} from '../shared/rollout-math.js';
import type { Rollout } from './context.js';
import { byCreation, getAllReplicaSetsAndSyncRevision } from './new-replicaset.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import { cleanupDeployment } from './scaling.js';

/** Scales the new ReplicaSet toward spec.replicas as far as maxSurge allows; true when it scaled. */
async function reconcileNewReplicaSet(r: Rollout, all: readonly ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const desired = desiredReplicas(r.d);
  if (specReplicas(newRS) === desired) return false;
  if (specReplicas(newRS) > desired) return (await r.scaleReplicaSetTo(newRS, desired)).scaled;
  return (await r.scaleReplicaSetTo(newRS, newReplicaSetReplicas(r.d, all, newRS))).scaled;
}

/**
 * Scales old ReplicaSets down by their unavailable replicas, at most maxCleanup
 * in all, oldest first (upstream's cleanupUnhealthyReplicas). Deleting pods
 * that are not available costs no availability.
 */
async function cleanupUnhealthyReplicas(r: Rollout, oldRSs: ReplicaSet[], maxCleanup: number): Promise<number> {
  oldRSs.sort(byCreation);
  let total = 0;
  for (let i = 0; i < oldRSs.length && total < maxCleanup; i++) {
    const rs = oldRSs[i];
    if (rs === undefined || specReplicas(rs) === 0) continue;
    const unavailable = specReplicas(rs) - availableFloor(rs);
    if (unavailable === 0) continue;
    const count = Math.min(maxCleanup - total, unavailable);
    const { rs: updated } = await r.scaleReplicaSetTo(rs, specReplicas(rs) - count);
    oldRSs[i] = updated;
    total += count;
  }
  return total;
}

/** Scales old ReplicaSets down by as many available pods as maxUnavailable allows, oldest first. */
async function scaleDownOldReplicaSets(r: Rollout, all: readonly ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = desiredReplicas(r.d) - maxUnavailable(r.d);
  const available = all.reduce((n, rs) => n + availableFloor(rs), 0);
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  oldRSs.sort(byCreation);
  let total = 0;
  for (const rs of oldRSs) {
    if (total >= target) break;
    if (specReplicas(rs) === 0) continue;
    const count = Math.min(specReplicas(rs), target - total);
    await r.scaleReplicaSetTo(rs, specReplicas(rs) - count);
    total += count;
  }
  return total;
}

/** Scales old ReplicaSets down within maxUnavailable (upstream's reconcileOldReplicaSets); true when it scaled. */
async function reconcileOldReplicaSets(r: Rollout, all: readonly ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const minAvailable = desiredReplicas(r.d) - maxUnavailable(r.d);
  const newUnavailable = specReplicas(newRS) - availableFloor(newRS);
  const maxScaledDown = replicaCount(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(r, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSets(r, [...oldRSs, newRS], oldRSs);
  return cleaned + scaledDown > 0;
}

export async function rolloutRolling(r: Rollout, sets: readonly ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(r, sets, true);
  if (newRS === undefined) throw new Error('no new replica set');
  const all = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(r, all, newRS)) {
    await syncRolloutStatus(r, all, newRS);
    return;
  }
  if (await reconcileOldReplicaSets(r, all, activeReplicaSets(oldRSs), newRS)) {
    await syncRolloutStatus(r, all, newRS);
    return;
  }
  if (r.d.status !== undefined && deploymentComplete(r.d, r.d.status)) await cleanupDeployment(r, oldRSs);
  await syncRolloutStatus(r, all, newRS);
}
