/**
 * A Deployment's status (upstream's deployment/progress.go and sync.go):
 * replica counts summed over its ReplicaSets, the Available condition
 * (minimum availability = replicas - maxUnavailable), and the Progressing
 * condition against progressDeadlineSeconds:
 * - `NewReplicaSetAvailable` (True) once the rollout is complete;
 * - `ReplicaSetUpdated` (True) whenever it made progress (its lastUpdateTime moves);
 * - `ProgressDeadlineExceeded` (False) when no progress for the deadline;
 * - `DeploymentPaused` / `DeploymentResumed` (Unknown) around a pause.
 * While a rollout is under way the Deployment is synced again when its
 * deadline would pass, so a stuck rollout is reported without another event.
 */
import type { Deployment, ReplicaSet } from '@skiff/api';
import {
  actualReplicaCount,
  availableReplicaCount,
  desiredReplicas,
  maxUnavailable,
  readyReplicaCount,
  replicaCount,
} from '../shared/rollout-math.js';
import {
  getCondition,
  hasProgressDeadline,
  newCondition,
  Reason,
  removeCondition,
  setCondition,
  type DeploymentCondition,
  type DeploymentStatus,
} from './conditions.js';
import type { Rollout } from './context.js';

function present(sets: ReadonlyArray<ReplicaSet | undefined>): ReplicaSet[] {
  return sets.filter((rs): rs is ReplicaSet => rs !== undefined);
}

/** The status the Deployment should have, keeping its conditions other than Available. */
export function calculateStatus(
  allRSs: ReadonlyArray<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
  d: Deployment,
  nowMs: number,
): DeploymentStatus {
  const sets = present(allRSs);
  const available = availableReplicaCount(sets);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(sets),
    updatedReplicas: newRS === undefined ? 0 : actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(sets),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicaCount(sets) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions !== undefined) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(
      status,
      newCondition('Available', 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs),
    );
  }
  return status;
}

/** Every replica updated, available, and no old ones (upstream's DeploymentComplete). */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Whether status shows progress over the Deployment's current status (upstream's DeploymentProgressing). */
function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function conditionTime(c: DeploymentCondition, field: 'lastUpdateTime' | 'lastTransitionTime'): number {
  const t = Date.parse(c[field] ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Whether the rollout went progressDeadlineSeconds without progress (upstream's DeploymentTimedOut). */
function deploymentTimedOut(d: Deployment, status: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(status, 'Progressing');
  if (c === undefined || c.reason === Reason.NewReplicaSetAvailable) return false;
  if (c.reason === Reason.ProgressDeadlineExceeded) return true;
  return conditionTime(c, 'lastUpdateTime') + (d.spec?.progressDeadlineSeconds ?? 600) * 1000 < nowMs;
}

function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined): string =>
    JSON.stringify({
      observedGeneration: s?.observedGeneration ?? 0,
      replicas: s?.replicas ?? 0,
      updatedReplicas: s?.updatedReplicas ?? 0,
      readyReplicas: s?.readyReplicas ?? 0,
      availableReplicas: s?.availableReplicas ?? 0,
      unavailableReplicas: s?.unavailableReplicas ?? 0,
      collisionCount: s?.collisionCount,
      conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.lastUpdateTime, c.lastTransitionTime]),
    });
  return norm(a) === norm(b);
}

/** Writes calculateStatus when it differs (upstream's syncDeploymentStatus: scaling, pauses, deletion). */
export async function syncDeploymentStatus(
  r: Rollout,
  allRSs: ReadonlyArray<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
): Promise<void> {
  const status = calculateStatus(allRSs, newRS, r.d, r.ctx.now());
  if (!sameStatus(r.d.status, status)) await r.writeStatus(status);
}

/** Syncs the Deployment again when a rollout without progress would reach its deadline. */
function requeueStuck(r: Rollout, status: DeploymentStatus): void {
  const c = getCondition(r.d.status, 'Progressing');
  if (!hasProgressDeadline(r.d) || c === undefined) return;
  if (deploymentComplete(r.d, status) || c.reason === Reason.ProgressDeadlineExceeded) return;
  const after = conditionTime(c, 'lastUpdateTime') + (r.d.spec?.progressDeadlineSeconds ?? 600) * 1000 - r.ctx.now();
  if (after < 1000) r.ctx.enqueueRateLimited(r.d);
  else r.ctx.enqueueAfter(r.d, after + 1000);
}

/** Status with the Progressing condition of a rollout (upstream's syncRolloutStatus). */
export async function syncRolloutStatus(
  r: Rollout,
  allRSs: ReadonlyArray<ReplicaSet | undefined>,
  newRS: ReplicaSet | undefined,
): Promise<void> {
  const d = r.d;
  const now = r.ctx.now();
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  const rsName = newRS?.metadata?.name;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const msg =
        rsName === undefined
          ? `Deployment "${r.name}" has successfully progressed.`
          : `ReplicaSet "${rsName}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', Reason.NewReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName === undefined ? `Deployment "${r.name}" is progressing.` : `ReplicaSet "${rsName}" is progressing.`;
      const c = newCondition('Progressing', 'True', Reason.ReplicaSetUpdated, msg, now);
      // Progress moves lastUpdateTime even with the same reason; a True condition keeps its transition time.
      if (current?.status === 'True' && current.lastTransitionTime !== undefined) c.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg =
        rsName === undefined ? `Deployment "${r.name}" has timed out progressing.` : `ReplicaSet "${rsName}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', Reason.ProgressDeadlineExceeded, msg, now));
    }
  }
  const failure = present(allRSs)
    .map((rs) => rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True'))
    .find((c) => c !== undefined);
  if (failure !== undefined) {
    setCondition(status, newCondition('ReplicaFailure', 'True', failure.reason ?? '', failure.message ?? '', now));
  } else {
    removeCondition(status, 'ReplicaFailure');
  }
  if (sameStatus(d.status, status)) {
    requeueStuck(r, status);
    return;
  }
  await r.writeStatus(status);
}

/** Sets Progressing to DeploymentPaused / DeploymentResumed when spec.paused changed (upstream's checkPausedConditions). */
export async function checkPausedConditions(r: Rollout): Promise<void> {
  if (!hasProgressDeadline(r.d)) return;
  const c = getCondition(r.d.status, 'Progressing');
  if (c?.reason === Reason.ProgressDeadlineExceeded) return;
  const pausedShown = c?.reason === Reason.DeploymentPaused;
  const paused = r.d.spec?.paused === true;
  if (paused === pausedShown) return;
  const status: DeploymentStatus = structuredClone(r.d.status ?? {});
  const now = r.ctx.now();
  if (paused) setCondition(status, newCondition('Progressing', 'Unknown', Reason.DeploymentPaused, 'Deployment is paused', now));
  else setCondition(status, newCondition('Progressing', 'Unknown', Reason.DeploymentResumed, 'Deployment is resumed', now));
  await r.writeStatus(status);
}
