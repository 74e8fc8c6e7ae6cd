/** kube-scheduler's wording for a pod no node fits. */
import type { ScheduleReasons } from './core/contract.js';

/**
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable.`
 * Reasons are listed alphabetically with their node counts, as upstream does.
 */
export function unschedulableMessage(totalNodes: number, reasons: ScheduleReasons): string {
  if (totalNodes === 0) return 'no nodes available to schedule pods';
  const parts: Array<[string, number]> = [
    ['Insufficient cpu', reasons.insufficientCpu],
    ['Insufficient memory', reasons.insufficientMemory],
    ['Too many pods', reasons.tooManyPods],
    ['node(s) were unschedulable', reasons.unschedulable],
  ];
  const listed = parts
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, n]) => `${n} ${reason}`);
  return `0/${totalNodes} nodes are available: ${listed.join(', ')}.`;
}
