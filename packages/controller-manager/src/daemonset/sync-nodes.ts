/**
 * Carrying out a DaemonSet plan (upstream's syncNodes): expect the creations
 * and deletions first, then create the pods in slow-start batches (1, 2, 4,
 * …) and delete the others, un-expecting whatever was never done. At most
 * burstReplicas creations per sync; the rest wait for the next sync.
 */
import { PODS, type DaemonSet, type Pod } from '@skiff/api';
import type { ApiClient, EventRecorder } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import type { ControllerExpectations } from '../shared/expectations.js';
import { podKey } from '../shared/pods.js';
import { deleteControlledPods } from '../shared/delete-pods.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../shared/slow-start.js';
import { createPodInOwnTrace } from '../shared/tracing.js';
import { newDaemonPod } from './daemon-pod.js';
import type { DaemonSetPlan } from './plan.js';

export interface SyncContext {
  client: ApiClient;
  expectations: ControllerExpectations;
  events: EventRecorder | undefined;
  logger: Logger;
  burstReplicas: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Creates and deletes what plan says; rejects with the first failure (the caller retries later). */
export async function syncNodes(ctx: SyncContext, key: string, ds: DaemonSet, plan: DaemonSetPlan, hash: string): Promise<void> {
  const create = plan.create.slice(0, ctx.burstReplicas);
  if (create.length === 0 && plan.delete.length === 0) return;
  const namespace = ds.metadata?.namespace ?? '';
  ctx.expectations.expect(key, create.length, plan.delete.map(podKey));
  ctx.logger.debug({ daemonset: key, create: create.length, delete: plan.delete.length }, 'syncing daemon pods');
  const failures: Error[] = [];
  let next = 0;
  const created = await slowStartBatch(create.length, SLOW_START_INITIAL_BATCH_SIZE, async () => {
    const node = create[next++] ?? '';
    try {
      const pod = await createPodInOwnTrace(namespace, () => ctx.client.create<Pod>(PODS, namespace, newDaemonPod(ds, node, hash)));
      ctx.events?.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
    } catch (err) {
      ctx.events?.record(ds, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
      throw err;
    }
  });
  // The informer will never report the pods that were not created.
  for (let i = created.successes; i < create.length; i++) ctx.expectations.creationObserved(key);
  if (created.error !== undefined) failures.push(created.error);
  failures.push(...(await deleteControlledPods(ctx, key, ds, plan.delete)));
  const [failure] = failures;
  if (failure !== undefined) throw failure;
}
