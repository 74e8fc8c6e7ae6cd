/**
 * A copy of the cluster's state in a scheduler core, for one pod shape: every node the shape
 * may go to, with every pod that holds resources on it accounted as the scheduler accounts it.
 */
import { bytes, podRequests, type Container, type Node, type Pod } from '@skiff/api';
import { nodeResources, occupiesNode, untoleratedTaintReason, type SchedulerCore } from '@skiff/scheduler';
import type { PodShape } from './shape.js';

/** What the copy knows of one node beyond what the core holds. */
export interface NodeCopy {
  name: string;
  /** Cordoned: the core rejects it for that reason alone. */
  unschedulable: boolean;
  /** Pods holding resources on the node before the simulation. */
  existingPods: number;
  /** `status.allocatable.pods` minus the pod slots the existing pods take. */
  freePodSlots: number;
  /** Allocatable ephemeral storage minus what the existing pods request. */
  freeEphemeralStorage: number;
  /**
   * How many pods of the shape the node holds by cpu, memory, pod slots and ephemeral
   * storage: an upper bound the simulation uses to size its batches, never its answer.
   */
  fitBound: number;
}

/** The cluster as the simulation sees it. */
export interface ClusterCopy {
  /** Nodes loaded into the core (those the node selector admits), in list order. */
  nodes: NodeCopy[];
  /** Every node in the cluster. */
  totalNodes: number;
  /** Nodes left out because their labels do not match the node selector (and not cordoned or tainted). */
  selectorMismatches: number;
  /**
   * Nodes left out for a NoSchedule or NoExecute taint the shape (which has no tolerations)
   * does not tolerate, per kube-scheduler reason (`node(s) had untolerated taint {key: value}`,
   * the node's first such taint, as TaintToleration reports it).
   */
  taintMismatches: Map<string, number>;
  /** Pods not yet bound to a node: not accounted, they may take capacity first. */
  pendingPods: number;
}

function containerEphemeralStorage(c: Container): number {
  const q = c.resources?.requests?.['ephemeral-storage'] ?? c.resources?.limits?.['ephemeral-storage'];
  return q === undefined ? 0 : bytes(q);
}

/** A pod's ephemeral-storage request: app containers summed, raised to the largest init container's. */
export function podEphemeralStorage(pod: Pod): number {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) sum += containerEphemeralStorage(c);
  for (const c of pod.spec?.initContainers ?? []) sum = Math.max(sum, containerEphemeralStorage(c));
  return sum;
}

function matchesSelector(node: Node, selector: Readonly<Record<string, string>>): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** How many `each` fit in `free`; unlimited when `each` is 0. */
function fitsIn(free: number, each: number): number {
  if (each <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.floor(free / each));
}

/**
 * Loads `nodes` and the pods bound to them into `core` (which must be empty) for placing
 * `shape`. The core checks cpu, memory, one pod slot per pod and cordoning itself; the checks
 * it does not make (ephemeral storage, more than one pod slot per pod) become a lower
 * `allocatablePods` on the node, so the core stops placing the shape there exactly when one
 * of them would fail. A node the selector rejects is not loaded (a cordoned one is, so that it
 * is reported as unschedulable, the filter kube-scheduler runs first).
 */
export function loadClusterCopy(
  core: SchedulerCore,
  nodes: readonly Node[],
  pods: readonly Pod[],
  shape: PodShape,
  nodeSelector: Readonly<Record<string, string>> = {},
): ClusterCopy {
  const usage = new Map<string, { pods: number; milliCpu: number; memoryBytes: number; ephemeral: number }>();
  let pendingPods = 0;
  const held: Array<{ node: string; pod: Pod }> = [];
  for (const pod of pods) {
    if (!occupiesNode(pod)) {
      if ((pod.spec?.nodeName ?? '') === '' && pod.status?.phase === 'Pending' && pod.metadata?.deletionTimestamp === undefined)
        pendingPods++;
      continue;
    }
    held.push({ node: pod.spec?.nodeName ?? '', pod });
  }
  const copies: NodeCopy[] = [];
  const loaded = new Set<string>();
  let selectorMismatches = 0;
  const taintMismatches = new Map<string, number>();
  for (const node of nodes) {
    const resources = nodeResources(node);
    // Filters in kube-scheduler's order, the first failing one counted: NodeUnschedulable (in the core), TaintToleration, NodeAffinity.
    const hardTaint = resources.unschedulable
      ? undefined
      : node.spec?.taints?.find((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    if (hardTaint !== undefined) {
      const reason = untoleratedTaintReason(hardTaint.key, hardTaint.value);
      taintMismatches.set(reason, (taintMismatches.get(reason) ?? 0) + 1);
      continue;
    }
    if (!resources.unschedulable && !matchesSelector(node, nodeSelector)) {
      selectorMismatches++;
      continue;
    }
    loaded.add(resources.name);
    usage.set(resources.name, { pods: 0, milliCpu: 0, memoryBytes: 0, ephemeral: 0 });
  }
  for (const { node, pod } of held) {
    const used = usage.get(node);
    if (used === undefined) continue;
    const requests = podRequests(pod);
    core.addPod(node, requests);
    used.pods++;
    used.milliCpu += requests.milliCpu;
    used.memoryBytes += requests.memoryBytes;
    used.ephemeral += podEphemeralStorage(pod);
  }
  for (const node of nodes) {
    const resources = nodeResources(node);
    const used = usage.get(resources.name);
    if (used === undefined || !loaded.has(resources.name)) continue;
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    const freePodSlots = resources.allocatablePods - used.pods;
    const freeEphemeralStorage = (alloc['ephemeral-storage'] === undefined ? 0 : bytes(alloc['ephemeral-storage'])) - used.ephemeral;
    const extraCap = Math.min(fitsIn(freePodSlots, shape.podSlots), fitsIn(freeEphemeralStorage, shape.ephemeralStorageBytes));
    core.upsertNode({ ...resources, allocatablePods: used.pods + extraCap });
    const fitBound = resources.unschedulable
      ? 0
      : Math.min(
          extraCap,
          fitsIn(resources.allocatableMilliCpu - used.milliCpu, shape.milliCpu),
          fitsIn(resources.allocatableMemoryBytes - used.memoryBytes, shape.memoryBytes),
        );
    copies.push({
      name: resources.name,
      unschedulable: resources.unschedulable,
      existingPods: used.pods,
      freePodSlots,
      freeEphemeralStorage,
      fitBound,
    });
  }
  return { nodes: copies, totalNodes: nodes.length, selectorMismatches, taintMismatches, pendingPods };
}
