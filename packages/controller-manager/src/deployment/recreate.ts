/**
 * The Recreate strategy (upstream's recreate.go): scale every old ReplicaSet
 * to 0, wait until none of their pods is left running (terminating pods
 * count until they are gone), then create or scale up the new ReplicaSet.
 * Old and new pods never run at the same time.
 */
import { isPodTerminal, type Pod, type ReplicaSet } from '@skiff/api';
import { actualReplicaCount, activeReplicaSets, desiredReplicas } from '../shared/rollout-math.js';
import { controllerRefOf } from '../shared/owner-references.js';
import type { Rollout } from './context.js';
import { getAllReplicaSetsAndSyncRevision } from './new-replicaset.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import { cleanupDeployment } from './scaling.js';

/** Whether any pod of an old ReplicaSet still runs (upstream's oldPodsRunning). */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], pods: readonly Pod[]): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata?.uid));
  oldUids.delete(newRS?.metadata?.uid);
  return pods.some((p) => oldUids.has(controllerRefOf(p)?.uid) && !isPodTerminal(p));
}

export async function rolloutRecreate(r: Rollout, sets: readonly ReplicaSet[]): Promise<void> {
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(r, sets, false);
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await r.scaleReplicaSetTo(rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown) {
    await syncRolloutStatus(r, [...oldRSs, newRS], newRS);
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, r.ctx.podsIn(r.namespace))) {
    await syncRolloutStatus(r, [...oldRSs, newRS], newRS);
    return;
  }
  if (newRS === undefined) ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(r, sets, true));
  if (newRS !== undefined) await r.scaleReplicaSetTo(newRS, desiredReplicas(r.d));
  if (r.d.status !== undefined && deploymentComplete(r.d, r.d.status)) await cleanupDeployment(r, oldRSs);
  await syncRolloutStatus(r, [...oldRSs, newRS], newRS);
}
