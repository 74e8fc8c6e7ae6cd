/**
 * Computes a pod's status from what the runtime reports, with Kubernetes'
 * rules for phase, conditions and container statuses.
 */
import { nowTimestamp, type ContainerStatus, type Pod, type PodCondition, type PodStatus } from '@skiff/api';
import type { ContainerState } from './runtime/index.js';

/** What the kubelet knows of one container of the pod. */
export interface ContainerView {
  name: string;
  image: string;
  id: string | undefined;
  state: ContainerState | undefined;
  /** The attempt before the current one, for lastState. */
  previous: ContainerState | undefined;
  restartCount: number;
  /** Readiness from the prober (undefined: ready whenever running). */
  ready?: boolean;
  /** Startup probe passed (undefined: started whenever running). */
  started?: boolean;
  /** Set while the container waits for its restart backoff (CrashLoopBackOff) or failed to start. */
  waiting?: { reason: string; message?: string };
}

/** What the kubelet knows of the pod's init containers (see lifecycle/init-containers.ts). */
export interface InitView {
  /** One view per init container, in spec order. */
  views: ContainerView[];
  /** Every init container is done: the Initialized condition. */
  initialized: boolean;
  /** An init container failed under restartPolicy Never: the pod is Failed. */
  failed: boolean;
  /** Names of the sidecars (restartPolicy Always init containers): their readiness counts for the pod's. */
  sidecars: ReadonlySet<string>;
}

function iso(d: Date): string {
  return nowTimestamp(d);
}

function terminatedOf(
  s: Extract<ContainerState, { state: 'exited' }>,
  id: string | undefined,
): NonNullable<ContainerStatus['state']>['terminated'] {
  return {
    exitCode: s.exitCode,
    reason: s.reason,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    ...(s.signal === undefined ? {} : { signal: signalNumber(s.exitCode) }),
    ...(id === undefined ? {} : { containerID: `skiff://${id}` }),
  };
}

function signalNumber(exitCode: number): number {
  return exitCode > 128 ? exitCode - 128 : 0;
}

/** The container status Kubernetes reports for a view. */
export function containerStatus(v: ContainerView): ContainerStatus {
  const base = {
    name: v.name,
    image: v.image,
    imageID: '',
    restartCount: v.restartCount,
    ...(v.id === undefined ? {} : { containerID: `skiff://${v.id}` }),
  };
  const lastState = v.previous?.state === 'exited' ? { terminated: terminatedOf(v.previous, undefined) } : {};
  if (v.waiting !== undefined) {
    return {
      ...base,
      ready: false,
      started: false,
      state: { waiting: v.waiting },
      lastState: v.state?.state === 'exited' ? { terminated: terminatedOf(v.state, v.id) } : lastState,
    };
  }
  if (v.state === undefined)
    return { ...base, ready: false, started: false, state: { waiting: { reason: 'ContainerCreating' } }, lastState };
  if (v.state.state === 'running') {
    return {
      ...base,
      ready: v.ready ?? true,
      started: v.started ?? true,
      state: { running: { startedAt: iso(v.state.startedAt) } },
      lastState,
    };
  }
  return { ...base, ready: false, started: false, state: { terminated: terminatedOf(v.state, v.id) }, lastState };
}

function podCondition(type: string, ok: boolean, previous: PodCondition[] | undefined, reason?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = previous?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: old !== undefined && old.status === status ? old.lastTransitionTime : nowTimestamp(),
  };
  if (!ok && reason !== undefined) c.reason = reason;
  return c;
}

/**
 * The pod's phase:
 * - Pending until every container has started at least once;
 * - Succeeded when all exited 0 and none will restart; Failed when all exited,
 *   one non-zero, and none will restart;
 * - Running otherwise.
 */
export function podPhase(pod: Pod, views: ContainerView[]): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (views.some((v) => v.state === undefined && v.restartCount === 0)) return 'Pending';
  const running = views.some((v) => v.state?.state === 'running');
  if (running) return 'Running';
  const exited = views.map((v) => v.state).filter((s): s is Extract<ContainerState, { state: 'exited' }> => s?.state === 'exited');
  if (exited.length !== views.length) return 'Running';
  if (policy === 'Always') return 'Running';
  const failed = exited.some((s) => s.exitCode !== 0);
  if (policy === 'OnFailure' && failed) return 'Running';
  return failed ? 'Failed' : 'Succeeded';
}

/**
 * The status the kubelet reports for a pod. With init containers (`init`): Pending while they run, Failed
 * when one failed under restartPolicy Never, `initContainerStatuses` in spec order (kubectl derives
 * `Init:N/M`, `Init:Error`, `Init:CrashLoopBackOff` and `PodInitializing` from them) and the Initialized
 * condition False (ContainersNotInitialized) until they are done.
 */
export function computePodStatus(pod: Pod, views: ContainerView[], hostIP: string, startTime: string, init?: InitView): PodStatus {
  const phase = init?.failed === true ? 'Failed' : init !== undefined && !init.initialized ? 'Pending' : podPhase(pod, views);
  const statuses = views.map(containerStatus);
  const initStatuses = init?.views.map(containerStatus) ?? [];
  const sidecarStatuses = initStatuses.filter((s) => init?.sidecars.has(s.name) === true);
  const allReady = statuses.length > 0 && [...statuses, ...sidecarStatuses].every((s) => s.ready);
  const prev = pod.status?.conditions;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const pendingInit = init?.views.filter((v) => !(v.state?.state === 'exited' && v.state.exitCode === 0)).map((v) => v.name) ?? [];
  const initialized = podCondition('Initialized', init?.initialized ?? true, prev, 'ContainersNotInitialized');
  if (initialized.status === 'False') initialized.message = `containers with incomplete status: [${pendingInit.join(' ')}]`;
  return {
    phase,
    conditions: [
      podCondition('PodReadyToStartContainers', true, prev),
      initialized,
      podCondition('Ready', allReady && !terminal, prev, terminal ? 'PodCompleted' : 'ContainersNotReady'),
      podCondition('ContainersReady', allReady && !terminal, prev, terminal ? 'PodCompleted' : 'ContainersNotReady'),
      podCondition('PodScheduled', true, prev),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: hostIP,
    podIPs: [{ ip: hostIP }],
    startTime,
    containerStatuses: statuses,
    ...(initStatuses.length === 0 ? {} : { initContainerStatuses: initStatuses }),
    qosClass: pod.status?.qosClass ?? 'BestEffort',
  };
}

/** JSON with object keys sorted, so equal values print the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** True when `next` would change any field of the status the kubelet reports. */
export function statusChanged(current: PodStatus | undefined, next: PodStatus): boolean {
  const cur = (current ?? {}) as Record<string, unknown>;
  return Object.entries(next).some(([k, v]) => stableJson(cur[k]) !== stableJson(v));
}
