/**
 * What the node lifecycle controller writes when a node stops posting status
 * (upstream's tryUpdateNodeHealth): Ready, MemoryPressure, DiskPressure and
 * PIDPressure become Unknown with reason `NodeStatusUnknown` ("Kubelet stopped
 * posting node status."), or `NodeStatusNeverUpdated` ("Kubelet never posted
 * node status.") for a condition the kubelet never reported. Heartbeat times
 * are kept; the transition time is now for a condition that changes.
 */
import { nowTimestamp, type Node, type NodeCondition } from '@skiff/api';

export const NODE_CONDITIONS_SET_UNKNOWN = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** The node's conditions with the four set to Unknown, or undefined when they already are. */
export function unknownConditions(node: Node, nowMs: number): NodeCondition[] | undefined {
  const conditions = [...(node.status?.conditions ?? [])];
  const now = nowTimestamp(new Date(nowMs));
  let changed = false;
  for (const type of NODE_CONDITIONS_SET_UNKNOWN) {
    const at = conditions.findIndex((c) => c.type === type);
    const current = conditions[at];
    if (current === undefined) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp ?? now,
        lastTransitionTime: now,
      });
      changed = true;
    } else if (current.status !== 'Unknown') {
      conditions[at] = {
        ...current,
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastTransitionTime: now,
      };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** The node's Ready condition status: 'True', 'False' or 'Unknown' (also when there is none). */
export function readyStatus(node: Node): 'True' | 'False' | 'Unknown' {
  const s = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return s === 'True' || s === 'False' ? s : 'Unknown';
}

/** Whether the node reports the condition with status True. */
export function conditionTrue(node: Node, type: string): boolean {
  return node.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}
