/**
 * When a pod on a NoExecute-tainted node must go (upstream's taint eviction
 * rules): now, if a NoExecute taint is not tolerated; never, if every taint is
 * tolerated without tolerationSeconds; else, for each taint its first
 * tolerating toleration's tolerationSeconds (negative counts as 0) counted
 * from the taint's timeAdded (now when unset), and the earliest of those.
 */
import type { Pod } from '@skiff/api';
import { tolerates, type Taint } from '../shared/taints.js';

export type EvictionTime = { kind: 'now' } | { kind: 'never' } | { kind: 'at'; atMs: number };

export function evictionTime(pod: Pod, noExecuteTaints: readonly Taint[], nowMs: number): EvictionTime {
  if (noExecuteTaints.length === 0) return { kind: 'never' };
  const tolerations = pod.spec?.tolerations ?? [];
  let earliest: number | undefined;
  for (const taint of noExecuteTaints) {
    const used = tolerations.find((t) => tolerates(t, taint));
    if (used === undefined) return { kind: 'now' };
    const seconds = used.tolerationSeconds;
    if (seconds === undefined || seconds === null) continue;
    const added = Date.parse(taint.timeAdded ?? '');
    const at = (Number.isNaN(added) ? nowMs : added) + Math.max(0, seconds) * 1000;
    earliest = Math.min(earliest ?? at, at);
  }
  return earliest === undefined ? { kind: 'never' } : { kind: 'at', atMs: earliest };
}
