/** kube-scheduler's wording for a pod no node fits, from the core's reason counts. */
import type { ScheduleReasons } from './core/contract.js';
import { fitErrorMessage } from './framework/diagnosis.js';
import type { Status } from './framework/status.js';

/**
 * `0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu.`
 * Each `<count> <reason>` is sorted as a string, as upstream's `sort.Strings` does.
 */
export function unschedulableMessage(totalNodes: number, reasons: ScheduleReasons): string {
  const statuses = new Map<string, Status>();
  const add = (reason: string, n: number): void => {
    for (let i = 0; i < n; i++) statuses.set(`${reason}#${i}`, { code: 'Unschedulable', reasons: [reason] });
  };
  add('Insufficient cpu', reasons.insufficientCpu);
  add('Insufficient memory', reasons.insufficientMemory);
  add('Too many pods', reasons.tooManyPods);
  add('node(s) were unschedulable', reasons.unschedulable);
  return fitErrorMessage(totalNodes, { nodeStatuses: statuses, rejectors: new Set() });
}
