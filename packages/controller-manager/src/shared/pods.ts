/** Pod facts the workload controllers share: activity, readiness and availability (upstream's podutil). */
import type { Pod, PodCondition } from '@skiff/api';

/** A pod that has not finished and is not being deleted: it counts toward its controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined;
}

/** The pod's Ready condition, if any. */
export function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod became ready (ms), or undefined when it is not ready or the time is unknown. */
export function readySince(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || c.lastTransitionTime === undefined) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Whether the pod is available: ready, and ready for longer than minReadySeconds
 * (with minReadySeconds 0, ready is enough), as upstream's IsPodAvailable.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** When a ready but not yet available pod becomes available (ms); undefined otherwise. */
export function availableAt(pod: Pod, minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0 || isPodAvailable(pod, minReadySeconds, nowMs)) return undefined;
  const since = readySince(pod);
  return since === undefined ? undefined : since + minReadySeconds * 1000 + 1;
}

/** The largest restart count of the pod's containers. */
export function maxContainerRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/** `namespace/name` of a pod. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
