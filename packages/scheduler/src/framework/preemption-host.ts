/**
 * What DefaultPreemption needs from the scheduler around the framework: the pods on each node
 * and the API side of a preemption. The scheduler implements it (`preemption-actions.ts`); a
 * framework built without one (unit tests of other plugins) never preempts.
 */
import type { Pod } from '@skiff/api';
import type { PodUsage } from './node-info.js';

/** A pod accounted on a node (bound, or assumed while its bind is in flight). */
export interface PodOnNode {
  readonly pod: Pod;
  readonly usage: PodUsage;
}

export interface PreemptionHost {
  /** The pods accounted on `node` now (empty for an unknown node). */
  podsOn(node: string): readonly PodOnNode[];
  /**
   * Carries out a decision: nominates `preemptor` for `node` at once (in memory, so the next
   * cycles count it there) and, asynchronously, clears lower-priority nominations on the node,
   * writes `status.nominatedNodeName`, marks each victim with a DisruptionTarget condition,
   * deletes it and records a `Preempted` event on it. Failures are logged, never thrown.
   */
  preempt(preemptor: Pod, node: string, victims: readonly Pod[]): void;
  /**
   * True while victims this pod evicted are still accounted on their node (the deletes are in
   * flight or the informer has not seen them yet): the pod waits instead of preempting again.
   */
  preemptionInProgress(pod: Pod): boolean;
  /** Counts one PostFilter run of preemption (`scheduler_preemption_attempts_total`). */
  attempted(): void;
  /** Forgets the pod's nomination (preemption found no node), in memory and in its status. */
  clearNomination(pod: Pod): void;
}
