/**
 * A ReplicaSet's status from its active pods (upstream's calculateStatus and
 * updateReplicaSetStatus): replicas, fullyLabeledReplicas (pods carrying every
 * template label), readyReplicas, availableReplicas (ready for minReadySeconds),
 * the ReplicaFailure condition while creating or deleting fails, and
 * observedGeneration. Written through the status subresource only when it
 * changed.
 */
import { ApiError, REPLICASETS, nowTimestamp, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { isPodAvailable, isPodReady } from '../shared/pods.js';

export type ReplicaSetStatus = NonNullable<ReplicaSet['status']>;
type ReplicaSetCondition = NonNullable<ReplicaSetStatus['conditions']>[number];

const STATUS_UPDATE_RETRIES = 2;

/** The status the ReplicaSet should have; manageError is the failure of this sync's creates or deletes, if any. */
export function calculateReplicaSetStatus(
  rs: ReplicaSet,
  activePods: readonly Pod[],
  manageError: Error | undefined,
  nowMs: number,
): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  const conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failureAt = conditions.findIndex((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined && failureAt < 0) {
    const diff = activePods.length - (rs.spec?.replicas ?? 1);
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
      message: manageError.message,
      lastTransitionTime: nowTimestamp(new Date(nowMs)),
    });
  } else if (manageError === undefined && failureAt >= 0) {
    conditions.splice(failureAt, 1);
  }
  const status: ReplicaSetStatus = {
    ...rs.status,
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
  };
  if (conditions.length > 0) status.conditions = conditions;
  else delete status.conditions;
  return status;
}

function sameStatus(rs: ReplicaSet, status: ReplicaSetStatus): boolean {
  const cur = rs.status ?? { replicas: 0 };
  return (
    (cur.replicas ?? 0) === status.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
    (cur.observedGeneration ?? 0) === (rs.metadata?.generation ?? 0) &&
    JSON.stringify(cur.conditions ?? []) === JSON.stringify(status.conditions ?? [])
  );
}

/**
 * Writes status (with observedGeneration = the generation this sync acted on)
 * unless nothing changed; on a conflict re-reads the ReplicaSet and retries.
 * Returns the ReplicaSet as stored.
 */
export async function updateReplicaSetStatus(client: ApiClient, rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
  if (sameStatus(rs, status)) return rs;
  const next: ReplicaSetStatus = { ...status, observedGeneration: rs.metadata?.generation ?? 0 };
  let current = rs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.updateStatus<ReplicaSet>(REPLICASETS, { ...current, status: next });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= STATUS_UPDATE_RETRIES) throw err;
      current = await client.get<ReplicaSet>(REPLICASETS, rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
      if (current.metadata?.uid !== rs.metadata?.uid) return current;
    }
  }
}
