/**
 * Which init container the pod worker acts on next, as upstream's kubelet decides it
 * (computeInitContainerActions): init containers run one at a time, in spec order, each to success
 * before the next starts; app containers start only once every init container is done.
 *
 * A sidecar (an init container with `restartPolicy: Always`) counts as done once it is running and its
 * startup probe (if any) has passed; it keeps running beside the app containers and is restarted whenever
 * it exits, whatever the pod's restartPolicy.
 */
import type { Container, Pod } from '@skiff/api';
import type { ContainerState } from '../runtime/index.js';

/** What the runtime holds of one init container: its latest attempt's state, if any. */
export interface InitContainerFacts {
  state: ContainerState | undefined;
  /** The container's startup probe passed (undefined: started whenever running). */
  started?: boolean;
}

/**
 * The plan for the init containers of a pod at one sync:
 * - `initialized`: every regular init container exited 0 and every sidecar is started; app containers may
 *   run. `restartSidecars`: sidecars that exited since and must be started again (after their backoff).
 * - `run`: start (or restart, after its backoff) the named init container; nothing after it runs yet.
 * - `wait`: the named init container is running (or a sidecar not yet started); nothing after it runs yet.
 * - `failed`: the named init container failed and the pod's restartPolicy is Never: the pod is Failed.
 */
export type InitPlan =
  | { kind: 'initialized'; restartSidecars: string[] }
  | { kind: 'run'; name: string }
  | { kind: 'wait'; name: string }
  | { kind: 'failed'; name: string };

/** True for an init container that is a sidecar (`restartPolicy: Always`). */
export function isSidecar(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/**
 * Decides the next init container action; `facts` is keyed by init container name. `appStarted`: some app
 * container of the pod has already run, so the pod was initialized before (init containers are not re-run,
 * as upstream does not re-run them once the pod is initialized).
 */
export function planInitContainers(pod: Pod, facts: ReadonlyMap<string, InitContainerFacts>, appStarted: boolean): InitPlan {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const restartSidecars: string[] = [];
  for (const container of pod.spec?.initContainers ?? []) {
    const { state, started } = facts.get(container.name) ?? { state: undefined };
    const name = container.name;
    if (isSidecar(container)) {
      if (appStarted) {
        if (state?.state !== 'running') restartSidecars.push(name);
        continue;
      }
      if (state === undefined || state.state === 'exited') return { kind: 'run', name };
      if (started === false) return { kind: 'wait', name };
      continue;
    }
    if (appStarted) continue;
    if (state === undefined) return { kind: 'run', name };
    if (state.state === 'running') return { kind: 'wait', name };
    if (state.exitCode === 0) continue;
    if (policy === 'Never') return { kind: 'failed', name };
    return { kind: 'run', name };
  }
  return { kind: 'initialized', restartSidecars };
}
