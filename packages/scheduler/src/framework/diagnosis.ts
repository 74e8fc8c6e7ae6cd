/** kube-scheduler's FitError message for a pod no node fits. */
import type { Diagnosis } from './interfaces.js';

/**
 * `0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {k: v}.`:
 * each reason of each rejected node counted, rendered `<count> <reason>` and sorted as strings
 * (as upstream's `sort.Strings`). A PreFilter rejection replaces the per-node list; a
 * PostFilter message follows.
 */
export function fitErrorMessage(totalNodes: number, diagnosis: Diagnosis, postFilterMessage?: string): string {
  if (totalNodes === 0) return 'no nodes available to schedule pods';
  let message = `0/${totalNodes} nodes are available:`;
  if (diagnosis.preFilterMessage !== undefined) message += ` ${diagnosis.preFilterMessage}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of diagnosis.nodeStatuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (parts.length > 0) message += ` ${parts.join(', ')}.`;
  }
  if (postFilterMessage !== undefined && postFilterMessage !== '') message += ` ${postFilterMessage}`;
  return message;
}
