/**
 * Which pods a controller deletes first when it has too many, as upstream's
 * ActivePodsWithRanks (pkg/controller/controller_utils.go). Earlier in the
 * order means deleted sooner:
 * 1. unassigned < assigned to a node;
 * 2. Pending < Unknown < Running;
 * 3. not ready < ready;
 * 4. lower `controller.kubernetes.io/pod-deletion-cost` < higher;
 * 5. more related pods on the same node < fewer (spreads what is left);
 * 6. ready for less time < ready for longer;
 * 7. more container restarts < fewer;
 * 8. newer < older (by creationTimestamp).
 */
import type { Pod } from '@skiff/api';
import { isPodReady, maxContainerRestarts, readySince } from './pods.js';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const raw = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  const n = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : 0;
}

function time(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** Upstream's afterOrZero: a missing time sorts first, then the later time. Negative when a sorts first. */
function laterFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return b - a;
}

/** Compares two pods with their ranks (related pods on the same node); negative when a is deleted first. */
export function comparePodsForDeletion(a: Pod, aRank: number, b: Pod, bRank: number): number {
  const aAssigned = (a.spec?.nodeName ?? '') !== '';
  const bAssigned = (b.spec?.nodeName ?? '') !== '';
  if (aAssigned !== bAssigned) return aAssigned ? 1 : -1;
  const aPhase = PHASE_ORDER[a.status?.phase ?? ''] ?? 0;
  const bPhase = PHASE_ORDER[b.status?.phase ?? ''] ?? 0;
  if (aPhase !== bPhase) return aPhase - bPhase;
  const aReady = isPodReady(a);
  const bReady = isPodReady(b);
  if (aReady !== bReady) return aReady ? 1 : -1;
  const costDiff = deletionCost(a) - deletionCost(b);
  if (costDiff !== 0) return costDiff;
  if (aRank !== bRank) return bRank - aRank;
  if (aReady && bReady) {
    const readyDiff = laterFirst(readySince(a), readySince(b));
    if (readyDiff !== 0) return readyDiff;
  }
  const restartDiff = maxContainerRestarts(b) - maxContainerRestarts(a);
  if (restartDiff !== 0) return restartDiff;
  return laterFirst(time(a.metadata?.creationTimestamp), time(b.metadata?.creationTimestamp));
}

/**
 * The count pods to delete from pods. relatedPods (the pods of every
 * ReplicaSet with the same owner, including these) rank each pod by how many
 * of them share its node.
 */
export function podsToDelete(pods: readonly Pod[], relatedPods: readonly Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of relatedPods) {
    const node = p.spec?.nodeName ?? '';
    if (node !== '') perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => comparePodsForDeletion(x.pod, x.rank, y.pod, y.rank));
  return ranked.slice(0, count).map((r) => r.pod);
}
