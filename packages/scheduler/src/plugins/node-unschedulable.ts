/** NodeUnschedulable: a cordoned node takes only pods that tolerate its unschedulable taint. */
import { ActionType, type ClusterEvent } from '../framework/events.js';
import type { CycleState, EnqueueExtensions, FilterPlugin, PodInfo } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { Code, status, type Status } from '../framework/status.js';
import { podTolerations, tolerated } from './tolerations.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** The taint a cordoned node implicitly carries. */
export const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/** True when the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`. */
export function toleratesUnschedulable(pod: PodInfo): boolean {
  return tolerated(podTolerations(pod.pod), UNSCHEDULABLE_TAINT);
}

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (node.node.spec?.unschedulable !== true || toleratesUnschedulable(pod)) return null;
    return status(Code.UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [{ resource: 'Node', actions: ActionType.Add | ActionType.UpdateNodeTaint }];
  }
}
