/**
 * Which pod goes first under pressure, as upstream's eviction ranking:
 * for memory, pods using more than they request go before those within their
 * requests, then lower priority before higher, then the larger use above the
 * request first. Skiff does not account disk or pids per pod, so the other
 * signals rank by priority, then memory use above the request (a stand-in,
 * documented as such).
 */
import { podRequests, type Pod } from '@skiff/api';

/** A running pod with what its containers use now. */
export interface PodUsage {
  pod: Pod;
  workingSetBytes: number;
  /** Per container name, its memory working set. */
  containers: ReadonlyMap<string, number>;
}

function priorityOf(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** Pods in eviction order (the first is the next to go); the input is not changed. */
export function rankForMemoryPressure(pods: readonly PodUsage[]): PodUsage[] {
  const above = (u: PodUsage): number => u.workingSetBytes - podRequests(u.pod).memoryBytes;
  return [...pods].sort((a, b) => {
    const exceedsA = above(a) > 0;
    const exceedsB = above(b) > 0;
    if (exceedsA !== exceedsB) return exceedsA ? -1 : 1;
    const byPriority = priorityOf(a.pod) - priorityOf(b.pod);
    if (byPriority !== 0) return byPriority;
    return above(b) - above(a);
  });
}

/** Pods in eviction order for disk, inode or pid pressure: lower priority first, then more memory above the request. */
export function rankForOtherPressure(pods: readonly PodUsage[]): PodUsage[] {
  const above = (u: PodUsage): number => u.workingSetBytes - podRequests(u.pod).memoryBytes;
  return [...pods].sort((a, b) => priorityOf(a.pod) - priorityOf(b.pod) || above(b) - above(a));
}
