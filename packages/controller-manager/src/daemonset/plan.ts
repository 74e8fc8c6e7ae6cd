/**
 * What one sync of a DaemonSet should do, computed from the cache with no I/O
 * (upstream's manage, podsShouldBeOnNode and rollingUpdate with maxSurge 0):
 * - a node that should run the daemon and has no pod of it gets one;
 * - a node that may keep it loses its failed or succeeded pods and, when it
 *   runs more than one, all but the oldest;
 * - a node that may not keep it loses every pod of it;
 * - RollingUpdate: old-template pods are deleted so that at most
 *   maxUnavailable nodes (of desiredNumberScheduled, rounded up; 0 means 1)
 *   are without an available pod; an old pod that is not available is
 *   replaced at once. The new pod is created by a later sync, once the old one
 *   is gone (never two daemon pods on one node).
 * - OnDelete: pods are only replaced when someone deletes them.
 */
import type { DaemonSet, Node, Pod } from '@skiff/api';
import { isPodAvailable } from '../shared/pods.js';
import { scaledValue } from '../shared/rollout-math.js';
import { nodeShouldRunDaemonPod } from './daemon-pod.js';
import { isPodUpdated } from './revision.js';

export interface DaemonSetPlan {
  /** Nodes to create a daemon pod on. */
  create: string[];
  /** Pods to delete (each once). */
  delete: Pod[];
}

function creationTime(pod: Pod): number {
  return Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
}

/** Oldest first; at equal times a running pod before a pending one (upstream's podByCreationTimestampAndPhase). */
export function byAgeThenPhase(a: Pod, b: Pod): number {
  const byAge = creationTime(a) - creationTime(b);
  if (byAge !== 0) return byAge;
  const running = (p: Pod): number => (p.status?.phase === 'Running' ? 0 : 1);
  return running(a) - running(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Daemon pods by the node they are bound to (pods being deleted that already finished are left out). */
export function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (pod.metadata?.deletionTimestamp !== undefined && (phase === 'Succeeded' || phase === 'Failed')) continue;
    const node = pod.spec?.nodeName ?? '';
    const list = out.get(node);
    if (list === undefined) out.set(node, [pod]);
    else list.push(pod);
  }
  return out;
}

/** The creations and deletions that bring every node to the right daemon pods (the manage step). */
function manage(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, readonly Pod[]>): DaemonSetPlan {
  const plan: DaemonSetPlan = { create: [], delete: [] };
  const known = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    known.add(name);
    const pods = byNode.get(name) ?? [];
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(ds, node);
    if (shouldRun && pods.length === 0) {
      plan.create.push(name);
    } else if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp !== undefined) continue;
        const phase = pod.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') plan.delete.push(pod);
        else running.push(pod);
      }
      if (running.length > 1) plan.delete.push(...[...running].sort(byAgeThenPhase).slice(1));
    } else {
      plan.delete.push(...pods.filter((p) => p.metadata?.deletionTimestamp === undefined));
    }
  }
  // Pods bound to nodes that no longer exist (podgc removes them too; upstream deletes them here as well).
  for (const [name, pods] of byNode)
    if (!known.has(name)) plan.delete.push(...pods.filter((p) => p.metadata?.deletionTimestamp === undefined));
  return plan;
}

/** How many nodes may be without an available daemon pod during a rolling update (upstream rounds up; 0 means 1). */
export function maxUnavailableNodes(ds: DaemonSet, desired: number): number {
  const value = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  const n = scaledValue(value, desired, true);
  return n <= 0 ? 1 : n;
}

/** The old pods a rolling update deletes now (maxSurge 0); `creating` nodes (no pod yet) count as unavailable. */
function rollingUpdate(
  ds: DaemonSet,
  byNode: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  desired: number,
  creating: number,
  nowMs: number,
): Pod[] {
  const maxUnavailable = maxUnavailableNodes(ds, desired);
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  let unavailable = creating;
  const replaceNow: Pod[] = [];
  const candidates: Pod[] = [];
  for (const pods of byNode.values()) {
    const live = pods.filter((p) => p.metadata?.deletionTimestamp === undefined);
    const fresh = live.filter((p) => isPodUpdated(ds, p, hash));
    const old = live.filter((p) => !isPodUpdated(ds, p, hash));
    if (fresh.length > 1 || old.length > 1 || fresh.length + old.length !== 1) {
      // Nothing, or more than one pod: the manage step creates or deletes; the node counts as unavailable.
      unavailable++;
      continue;
    }
    const [newPod] = fresh;
    const [oldPod] = old;
    if (newPod !== undefined) {
      if (!isPodAvailable(newPod, minReadySeconds, nowMs)) unavailable++;
    } else if (oldPod !== undefined) {
      if (!isPodAvailable(oldPod, minReadySeconds, nowMs)) replaceNow.push(oldPod);
      else candidates.push(oldPod);
    }
  }
  const budget = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
  candidates.sort(byAgeThenPhase);
  return [...replaceNow, ...candidates.slice(0, budget)];
}

/** The whole plan of one sync: manage, then (RollingUpdate) the rolling update's deletions. */
export function planDaemonSet(
  ds: DaemonSet,
  nodes: readonly Node[],
  pods: readonly Pod[],
  hash: string,
  desired: number,
  nowMs: number,
): DaemonSetPlan {
  const byNode = podsByNode(pods);
  const plan = manage(ds, nodes, byNode);
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
    const chosen = new Set(plan.delete.map((p) => p.metadata?.uid));
    for (const pod of rollingUpdate(ds, byNode, hash, desired, plan.create.length, nowMs))
      if (!chosen.has(pod.metadata?.uid)) plan.delete.push(pod);
  }
  return plan;
}
