/** NodeName: a pod that names a node (`spec.nodeName`) fits only that node. */
import { ActionType, type ClusterEvent } from '../framework/events.js';
import type { CycleState, EnqueueExtensions, FilterPlugin, PodInfo, PreFilterPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { Code, SKIP, status, type Status } from '../framework/status.js';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_NAME;

  preFilter(_state: CycleState, pod: PodInfo): Status | null {
    const wanted = pod.pod.spec?.nodeName;
    return wanted === undefined || wanted === '' ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const wanted = pod.pod.spec?.nodeName;
    if (wanted === undefined || wanted === '' || wanted === node.name) return null;
    return status(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_NAME);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [{ resource: 'Node', actions: ActionType.Add }];
  }
}
