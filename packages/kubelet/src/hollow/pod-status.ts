/**
 * The status a hollow node reports for a pod, computed by the real kubelet's
 * rules (computePodStatus) from views of simulated containers:
 * - `started`: every container running; not yet ready (Ready and
 *   ContainersReady False, containers `ready: false`);
 * - `ready`: every container running and ready;
 * - `terminated`: every container exited 0 (the pod was deleted and its
 *   containers stopped cleanly): phase Succeeded.
 */
import { nowTimestamp, type Pod, type PodCondition, type PodStatus } from '@skiff/api';
import { computePodStatus, type ContainerView } from '../pod-status.js';

export type HollowPodStage = 'started' | 'ready' | 'terminated';

export interface HollowPodTimes {
  /** status.startTime: when the node accepted the pod. */
  startTime: string;
  /** When the simulated containers started. */
  startedAt: Date;
  /** When they stopped (stage `terminated`). */
  finishedAt?: Date;
}

const NOT_READY_CONDITIONS = new Set(['Ready', 'ContainersReady']);

function views(pod: Pod, stage: HollowPodStage, times: HollowPodTimes): ContainerView[] {
  const uid = pod.metadata?.uid ?? '';
  return (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    id: `hollow-${uid}_${c.name}_0`,
    state:
      stage === 'terminated'
        ? {
            state: 'exited',
            pid: 0,
            startedAt: times.startedAt,
            finishedAt: times.finishedAt ?? new Date(),
            exitCode: 0,
            reason: 'Completed',
          }
        : { state: 'running', pid: 0, startedAt: times.startedAt },
    previous: undefined,
    restartCount: 0,
  }));
}

/** Ready and ContainersReady False while the containers run but are not ready yet (kept transition times when already False). */
function notReady(status: PodStatus, pod: Pod): PodStatus {
  const names = (pod.spec?.containers ?? []).map((c) => c.name).join(' ');
  const previous = pod.status?.conditions;
  const conditions = (status.conditions ?? []).map((c): PodCondition => {
    if (!NOT_READY_CONDITIONS.has(c.type)) return c;
    const old = previous?.find((p) => p.type === c.type);
    return {
      ...c,
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: [${names}]`,
      lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : nowTimestamp(),
    };
  });
  return { ...status, conditions, containerStatuses: (status.containerStatuses ?? []).map((s) => ({ ...s, ready: false })) };
}

/** The pod's status at `stage`, with `hostIP` as host and pod address. */
export function hollowPodStatus(pod: Pod, stage: HollowPodStage, hostIP: string, times: HollowPodTimes): PodStatus {
  // A deleted pod whose containers all stopped is terminal whatever its restartPolicy (as the kubelet reports it).
  const asComputed: Pod = stage === 'terminated' ? { ...pod, spec: { containers: [], ...pod.spec, restartPolicy: 'Never' } } : pod;
  const status = computePodStatus(asComputed, views(pod, stage, times), hostIP, times.startTime);
  return stage === 'started' ? notReady(status, pod) : status;
}
