/** DefaultBinder: binds through the API (`pods/binding`), with the function the scheduler gives it. */
import type { BindPlugin, CycleState, PodInfo } from '../framework/interfaces.js';
import type { Status } from '../framework/status.js';

export const DEFAULT_BINDER = 'DefaultBinder';

/** Binds the pod to the node; rejects on failure. */
export type BindFunction = (pod: PodInfo, nodeName: string) => Promise<void>;

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;

  constructor(private readonly bindPod: BindFunction) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    await this.bindPod(pod, nodeName);
    return null;
  }
}
