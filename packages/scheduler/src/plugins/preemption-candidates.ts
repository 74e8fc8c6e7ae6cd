/**
 * Preemption's two decisions, as upstream's `framework/preemption` package makes them:
 * which pods to evict on one node (`selectVictimsOnNode`, the reprieve loop) and which node's
 * eviction to carry out (`pickOneNodeForPreemption`). Pure functions over the framework handle
 * and copies of node records; the plugin around them (`default-preemption.ts`) acts.
 *
 * Skiff has no PodDisruptionBudgets, so every victim is non-violating and every candidate
 * has zero violations; the count stays in the node order for when budgets arrive.
 */
import type { Pod } from '@skiff/api';
import type { CycleState, FrameworkHandle, PodInfo } from '../framework/interfaces.js';
import { copyNodeInfo, addPodUsage, removePodUsage, type NodeInfo } from '../framework/node-info.js';
import { podPriority } from '../framework/nominator.js';
import type { PodOnNode } from '../framework/preemption-host.js';
import { Code, status, type Status } from '../framework/status.js';

/** The node reason when no pod on the node has a lower priority than the preemptor. */
export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';
/** The node reason when Filter rejected the node for a reason eviction cannot change. */
export const ERR_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/** A node where evicting `victims` (most important first) makes the preemptor fit. */
export interface Candidate {
  readonly node: string;
  readonly victims: readonly Pod[];
  /** Victims whose eviction would violate a PodDisruptionBudget (always 0 in Skiff). */
  readonly pdbViolations: number;
}

/** When the pod started (`status.startTime`), or +Infinity ("now", as upstream) when it has not. */
export function podStartTime(pod: Pod): number {
  const t = Date.parse(pod.status?.startTime ?? '');
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** Upstream's `MoreImportantPod` as a sort comparator: higher priority first, then the earlier start. */
export function moreImportantFirst(a: Pod, b: Pod): number {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pb - pa;
  const sa = podStartTime(a);
  const sb = podStartTime(b);
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

/**
 * The fewest, least important victims on `node` that make `pod` fit: remove every pod of
 * lower priority (on copies of the node and the cycle state); if the pod still does not fit,
 * the node's Filter status is the answer. Otherwise add the removed pods back most important
 * first, keeping each one that still leaves room (reprieved) and evicting the others.
 */
export function selectVictimsOnNode(
  handle: FrameworkHandle,
  state: CycleState,
  pod: PodInfo,
  node: NodeInfo,
  podsOnNode: readonly PodOnNode[],
): { victims: Pod[] } | { status: Status } {
  const priority = podPriority(pod.pod);
  const potential = podsOnNode.filter((p) => podPriority(p.pod) < priority);
  if (potential.length === 0) return { status: status(Code.UnschedulableAndUnresolvable, ERR_NO_VICTIMS) };
  const copy = copyNodeInfo(node);
  const cycle = state.clone();
  for (const p of potential) {
    removePodUsage(copy, p.usage);
    const s = handle.runPreFilterExtensionRemovePod(cycle, pod, p.pod, copy);
    if (s !== null) return { status: s };
  }
  const fits = handle.runFilterPluginsWithNominatedPods(cycle, pod, copy);
  if (fits !== null) return { status: fits };
  potential.sort((a, b) => moreImportantFirst(a.pod, b.pod));
  const victims: Pod[] = [];
  for (const p of potential) {
    addPodUsage(copy, p.usage);
    const added = handle.runPreFilterExtensionAddPod(cycle, pod, p.pod, copy);
    if (added === null && handle.runFilterPluginsWithNominatedPods(cycle, pod, copy) === null) continue;
    removePodUsage(copy, p.usage);
    const removed = handle.runPreFilterExtensionRemovePod(cycle, pod, p.pod, copy);
    if (removed !== null) return { status: removed };
    victims.push(p.pod);
  }
  return { victims };
}

/** Upstream's shift that makes every int32 priority positive before summing. */
const PRIORITY_OFFSET = 2 ** 31;

/** Keeps the candidates with the smallest `key`. */
function fewest(candidates: readonly Candidate[], key: (c: Candidate) => number): Candidate[] {
  let best = Number.POSITIVE_INFINITY;
  let out: Candidate[] = [];
  for (const c of candidates) {
    const k = key(c);
    if (k < best) {
      best = k;
      out = [c];
    } else if (k === best) out.push(c);
  }
  return out;
}

/** The earliest start among a candidate's victims of the highest priority. */
function earliestStartOfTopVictims(c: Candidate): number {
  const top = podPriority(c.victims[0]!);
  let earliest = Number.POSITIVE_INFINITY;
  for (const v of c.victims) if (podPriority(v) === top) earliest = Math.min(earliest, podStartTime(v));
  return earliest;
}

/**
 * The node to preempt on, by upstream's criteria in order, each breaking the previous one's
 * ties: a node with no victims at all; the fewest PDB violations; the lowest priority of the
 * most important victim; the smallest sum of victim priorities; the fewest victims; the
 * latest start among the most important victims; then the first candidate.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const free = candidates.find((c) => c.victims.length === 0);
  if (free !== undefined) return free;
  let left = fewest(candidates, (c) => c.pdbViolations);
  if (left.length > 1) left = fewest(left, (c) => podPriority(c.victims[0]!));
  if (left.length > 1) left = fewest(left, (c) => c.victims.reduce((sum, v) => sum + podPriority(v) + PRIORITY_OFFSET, 0));
  if (left.length > 1) left = fewest(left, (c) => c.victims.length);
  if (left.length > 1) left = fewest(left, (c) => -earliestStartOfTopVictims(c));
  return left[0];
}
