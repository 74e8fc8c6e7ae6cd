/**
 * Bringing a ReplicaSet's pods to spec.replicas (upstream's manageReplicas):
 * too few → expect the creations, then create pods from the template in
 * slow-start batches (1, 2, 4, …), un-expecting those never made; too many →
 * pick the pods to delete by rank, expect their deletions, delete them. At
 * most burstReplicas either way per sync. The caller only calls this when the
 * ReplicaSet's expectations are satisfied.
 */
import { PODS, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiClient, EventRecorder } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import type { ControllerExpectations } from '../shared/expectations.js';
import { newControllerRef } from '../shared/owner-references.js';
import { podsToDelete } from '../shared/pod-ranking.js';
import { podKey } from '../shared/pods.js';
import { deleteControlledPods } from '../shared/delete-pods.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../shared/slow-start.js';
import { createPodInOwnTrace } from '../shared/tracing.js';

export interface ManageContext {
  client: ApiClient;
  expectations: ControllerExpectations;
  events: EventRecorder | undefined;
  logger: Logger;
  burstReplicas: number;
}

/** A pod for the ReplicaSet from its template, named `<rs>-<random>`, controlled by it. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const template = rs.spec?.template;
  const meta = template?.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata?.name ?? ''}-`,
      namespace: rs.metadata?.namespace,
      labels: { ...meta?.labels },
      ...(meta?.annotations === undefined ? {} : { annotations: { ...meta.annotations } }),
      ...(meta?.finalizers === undefined ? {} : { finalizers: [...meta.finalizers] }),
      ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Creates or deletes pods so that activePods (the pods the ReplicaSet
 * controls) reach spec.replicas. relatedPods are the pods of every ReplicaSet
 * with the same owner, for ranking. Rejects with the first failure.
 */
export async function manageReplicas(
  ctx: ManageContext,
  key: string,
  rs: ReplicaSet,
  activePods: readonly Pod[],
  relatedPods: readonly Pod[],
): Promise<void> {
  const diff = activePods.length - (rs.spec?.replicas ?? 1);
  const namespace = rs.metadata?.namespace ?? '';
  if (diff < 0) {
    const count = Math.min(-diff, ctx.burstReplicas);
    ctx.expectations.expectCreations(key, count);
    ctx.logger.debug({ replicaset: key, need: count }, 'too few replicas; creating');
    const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      try {
        const created = await createPodInOwnTrace(namespace, () => ctx.client.create<Pod>(PODS, namespace, podFromTemplate(rs)));
        ctx.events?.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
      } catch (err) {
        ctx.events?.record(rs, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
        throw err;
      }
    });
    // The informer will never report the pods that were not created.
    for (let i = successes; i < count; i++) ctx.expectations.creationObserved(key);
    if (error !== undefined) throw error;
  } else if (diff > 0) {
    const count = Math.min(diff, ctx.burstReplicas);
    const victims = podsToDelete(activePods, relatedPods, count);
    ctx.expectations.expectDeletions(key, victims.map(podKey));
    ctx.logger.debug({ replicaset: key, surplus: count }, 'too many replicas; deleting');
    const failures = await deleteControlledPods(ctx, key, rs, victims);
    const [failure] = failures;
    if (failure !== undefined) throw failure;
  }
}
