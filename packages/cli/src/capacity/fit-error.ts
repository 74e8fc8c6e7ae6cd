/**
 * Why the next pod of the shape does not fit, in kube-scheduler's words
 * (`0/3 nodes are available: 3 Insufficient memory.`), from the core's reason counts plus
 * the checks the cluster copy makes outside the core.
 */
import type { ScheduleResult } from '@skiff/scheduler';
import type { ClusterCopy } from './cluster-copy.js';
import type { PodShape } from './shape.js';

/** kube-scheduler's reason strings, as its filter plugins word them. */
export const REASONS = {
  unschedulable: 'node(s) were unschedulable',
  selector: "node(s) didn't match Pod's node affinity/selector",
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
  ephemeralStorage: 'Insufficient ephemeral-storage',
  tooManyPods: 'Too many pods',
} as const;

/**
 * The message for a pod no node fits. `placedOn` counts, per node, the pods of the shape the
 * simulation placed before it. The core counts a node whose lowered pod limit was reached as
 * "Too many pods"; such a node is reported under the check that lowered it (ephemeral storage,
 * pod slots), as kube-scheduler would. Reasons are listed alphabetically, as the scheduler does.
 */
export function fitErrorMessage(
  copy: ClusterCopy,
  shape: PodShape,
  reasons: ScheduleResult['reasons'],
  placedOn: ReadonlyMap<string, number>,
): string {
  if (copy.totalNodes === 0) return 'no nodes available to schedule pods';
  let tooManyPods = 0;
  let ephemeral = 0;
  let fullNodes = 0;
  for (const node of copy.nodes) {
    if (node.unschedulable) continue;
    const placed = placedOn.get(node.name) ?? 0;
    const slotsFull = node.freePodSlots - placed * shape.podSlots < shape.podSlots;
    const storageFull =
      shape.ephemeralStorageBytes > 0 && node.freeEphemeralStorage - placed * shape.ephemeralStorageBytes < shape.ephemeralStorageBytes;
    if (slotsFull) tooManyPods++;
    if (storageFull) ephemeral++;
    if (slotsFull || storageFull) fullNodes++;
  }
  // Should the copy's view ever disagree with the core's, the core's count stands.
  if (fullNodes !== reasons.tooManyPods) {
    tooManyPods = reasons.tooManyPods;
    ephemeral = 0;
  }
  const counts: Array<[string, number]> = [
    [REASONS.unschedulable, reasons.unschedulable],
    [REASONS.selector, copy.selectorMismatches],
    [REASONS.cpu, reasons.insufficientCpu],
    [REASONS.memory, reasons.insufficientMemory],
    [REASONS.ephemeralStorage, ephemeral],
    [REASONS.tooManyPods, tooManyPods],
    ...copy.taintMismatches,
  ];
  const listed = counts
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, n]) => `${n} ${reason}`);
  return `0/${copy.totalNodes} nodes are available: ${listed.join(', ')}.`;
}
