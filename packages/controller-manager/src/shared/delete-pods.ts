/**
 * Deleting a controller's pods (upstream's PodControl.DeletePod): each delete
 * carries the pod's uid; success records `SuccessfulDelete` on the owner; a
 * delete that fails un-expects the pod (the informer will never report it, or
 * already did), and only failures other than 404/409 (gone or replaced) are
 * returned, with a `FailedDelete` event.
 */
import { ApiError, PODS, type KubeObject, type Pod } from '@skiff/api';
import type { ApiClient, EventRecorder } from '@skiff/client';
import { asError } from './errors.js';
import type { ControllerExpectations } from './expectations.js';
import { podKey } from './pods.js';

export interface PodDeleter {
  client: ApiClient;
  expectations: ControllerExpectations;
  events: EventRecorder | undefined;
}

/** Deletes pods concurrently for the owner with expectations key; resolves with the failures that matter. */
export async function deleteControlledPods(ctx: PodDeleter, key: string, owner: KubeObject, pods: readonly Pod[]): Promise<Error[]> {
  const failures: Error[] = [];
  await Promise.all(
    pods.map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      try {
        await ctx.client.delete(PODS, pod.metadata?.namespace ?? '', name, { uid: pod.metadata?.uid ?? '' });
        ctx.events?.record(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        ctx.expectations.deletionObserved(key, podKey(pod));
        if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
        ctx.events?.record(owner, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
        failures.push(asError(err));
      }
    }),
  );
  return failures;
}
