/**
 * The status of a pod the kubelet evicted, as upstream reports it: phase
 * Failed, reason `Evicted`, the eviction message, and a `DisruptionTarget`
 * condition (reason `TerminationByKubelet`) so controllers and users can tell
 * an eviction from a crash.
 */
import { nowTimestamp, type Pod, type PodStatus } from '@skiff/api';
import { computePodStatus, type ContainerView } from '../pod-status.js';

export const EVICTED_REASON = 'Evicted';

/** True when the pod already carries an eviction by a kubelet. */
export function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status.reason === EVICTED_REASON;
}

/** The status after eviction: the containers as they are now, the pod Failed with the message. */
export function evictedPodStatus(pod: Pod, views: ContainerView[], hostIP: string, startTime: string, message: string): PodStatus {
  const base = computePodStatus(pod, views, hostIP, startTime);
  const conditions = (base.conditions ?? []).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodFailed' } : c,
  );
  conditions.push({
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'TerminationByKubelet',
    message,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: nowTimestamp(),
  });
  return { ...base, phase: 'Failed', reason: EVICTED_REASON, message, conditions };
}
