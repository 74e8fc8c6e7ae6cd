/**
 * Cluster events, as kube-scheduler's `framework.ClusterEvent`: a resource and a set of
 * actions (bit flags). Plugins declare the events that can make a pod they rejected
 * schedulable again; the queue moves an unschedulable pod back only on such an event.
 */

/** Actions as bit flags, so a registration can name several. */
export const ActionType = {
  Add: 1,
  Delete: 2,
  UpdateNodeAllocatable: 4,
  UpdateNodeLabel: 8,
  UpdateNodeTaint: 16,
  UpdateNodeCondition: 32,
  /** Any other update (for pods: labels, status, ...). */
  Update: 64,
} as const;

/** Every update action. */
export const ANY_UPDATE =
  ActionType.UpdateNodeAllocatable |
  ActionType.UpdateNodeLabel |
  ActionType.UpdateNodeTaint |
  ActionType.UpdateNodeCondition |
  ActionType.Update;

/** Every action. */
export const ALL_ACTIONS = ActionType.Add | ActionType.Delete | ANY_UPDATE;

/** The resources whose events the scheduler follows. */
export type EventResource = 'Node' | 'Pod';

/** A change in the cluster (what happened), or a registration (what a plugin cares about). */
export interface ClusterEvent {
  readonly resource: EventResource;
  /** Bit set of {@link ActionType}. */
  readonly actions: number;
}

/** True when `event` is one of the events `registered` names. */
export function eventMatches(registered: ClusterEvent, event: ClusterEvent): boolean {
  return registered.resource === event.resource && (registered.actions & event.actions) !== 0;
}
