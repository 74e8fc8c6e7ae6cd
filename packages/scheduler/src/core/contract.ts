/**
 * The contract of the scheduler's filter+score core, implemented twice: in Rust behind napi-rs
 * (`NativeSchedulerCore`, package `@skiff/scheduler-core`) and in plain TypeScript
 * (`TsSchedulerCore`, the reference). Both must return identical results for identical call
 * sequences, including the node order that `scoreAll` and `nodeNames` expose.
 *
 * Semantics follow three kube-scheduler plugins for one pod at a time:
 * - `NodeUnschedulable` (filter, runs first): a cordoned node is rejected with reason
 *   `unschedulable` only; no other reason is counted for it.
 * - `NodeResourcesFit` (filter): every failing check is counted —
 *   `podCount + 1 > allocatablePods` → `tooManyPods`;
 *   `pod.milliCpu > 0 && pod.milliCpu > allocatableMilliCpu - requestedMilliCpu` →
 *   `insufficientCpu`; the same with memory → `insufficientMemory`. Real requests, not the
 *   non-zero ones.
 * - `NodeResourcesLeastAllocated` (score, cpu and memory weight 1), in integer arithmetic:
 *   per resource, `requested = node's non-zero requested + pod's non-zero request`; the
 *   resource score is 0 if `allocatable <= 0` or `requested > allocatable`, else
 *   `floor((allocatable - requested) * 100 / allocatable)`; the node score is
 *   `floor((cpuScore + memoryScore) / 2)`.
 * - `NodeResourcesBalancedAllocation` (score, cpu and memory), in f64 as the TypeScript plugin
 *   computes it: per resource `fraction = min((node's real requested + pod's real request) /
 *   allocatable, 1)`, -1 when allocatable is 0; with both >= 0 the score is
 *   `trunc((1 - |(cpu - memory) / 2|) * 100)`, else 100.
 * - `TaintToleration` (filter, after NodeUnschedulable and before NodeResourcesFit; a node it
 *   rejects counts under `untoleratedTaint` alone): a `NoSchedule`/`NoExecute` taint of the
 *   node that none of the pod's tolerations tolerates rejects it. Score: how many
 *   `PreferNoSchedule` taints are not tolerated, normalized reversed over the feasible nodes
 *   (`100 - trunc(100 * count / max)`, 100 for all when max is 0). Matching as Kubernetes'
 *   `ToleratesTaint`: an empty effect tolerates every effect, an empty key every key;
 *   `Exists` ignores the value, `Equal` (or no operator) needs the same value (absent = "");
 *   other operators never match. Taints with other effects are ignored.
 * - `NodeAffinity` (filter, after TaintToleration; a node it rejects counts under
 *   `nodeAffinity` alone): every `nodeSelector` label equal, and, when the pod has required
 *   node affinity, some term matching (terms as `node-selector.ts`: In, NotIn, Exists,
 *   DoesNotExist, Gt, Lt on labels, `matchFields` on `metadata.name`; an empty term matches
 *   nothing). Score: the summed weights of the preferred terms the node matches, normalized
 *   over the feasible nodes (`trunc(100 * sum / max)`, 0 for all when max is 0).
 * - The reported score is `leastAllocated * leastAllocatedWeight + balancedAllocation *
 *   balancedAllocationWeight + taintToleration * taintTolerationWeight + nodeAffinity *
 *   nodeAffinityWeight` ({@link ScoringWeights}, default 1, 0, 0 and 0).
 * - The best node has the highest score; ties go to the smallest name in JavaScript string
 *   order (`a < b`, UTF-16 code units), so the choice does not depend on table order.
 *
 * Numbers: every quantity, and every per-node sum of pod requests, must be an integer in
 * `[0, 2^53)` (memory up to 2^50 is routine). Non-integers are truncated toward zero and
 * non-finite values read as 0, in both implementations.
 *
 * Table order: a new node is appended; `upsertNode` of a known node keeps its place;
 * `removeNode` moves the last node into the removed node's place (swap-remove).
 */

import type { RequirementLike } from '../plugins/node-selector.js';

/** A container without a cpu request counts as this many millicores when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;

/** A container without a memory request counts as this many bytes (200Mi) when scoring. */
export const DEFAULT_MEMORY_REQUEST = 209_715_200;

/** A node selector term (`nodeSelectorTerms[]`, a preferred term's `preference`). */
export interface NodeSelectorTerm {
  readonly matchExpressions?: RequirementLike[];
  readonly matchFields?: RequirementLike[];
}

/** A pod's `spec.affinity.nodeAffinity`. */
export interface PodNodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: NodeSelectorTerm[] };
  readonly preferredDuringSchedulingIgnoredDuringExecution?: ReadonlyArray<{
    readonly weight: number;
    readonly preference: NodeSelectorTerm;
  }>;
}

/** A node taint (`spec.taints[]`). */
export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** A pod toleration (`spec.tolerations[]`). */
export interface PodToleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

/** One node's schedulable resources, as the scheduler's node cache knows them. */
export interface NodeResources {
  /** The node's name, its key in the table. */
  name: string;
  /** Allocatable cpu in millicores. */
  allocatableMilliCpu: number;
  /** Allocatable memory in bytes. */
  allocatableMemoryBytes: number;
  /** How many pods the node accepts (`status.allocatable.pods`). */
  allocatablePods: number;
  /** `spec.unschedulable` (cordoned): the node accepts no new pod. */
  unschedulable: boolean;
  /** `spec.taints` (none when absent); an update replaces them. */
  taints?: readonly NodeTaint[];
  /** `metadata.labels` (none when absent); an update replaces them. */
  labels?: Readonly<Record<string, string>>;
}

/**
 * A pod's resource requests, computed once in TypeScript. `nonZero*` are the requests used
 * for scoring: Kubernetes counts a container with no cpu request as 100m and no memory
 * request as 200Mi (209715200 bytes) when scoring, but uses the real requests when filtering.
 */
export interface PodRequests {
  /** Requested cpu in millicores (used by the filter). */
  milliCpu: number;
  /** Requested memory in bytes (used by the filter). */
  memoryBytes: number;
  /** Cpu in millicores with the 100m per-container default (used by the score). */
  nonZeroMilliCpu: number;
  /** Memory in bytes with the 200Mi per-container default (used by the score). */
  nonZeroMemoryBytes: number;
  /** `spec.tolerations` (none when absent), for TaintToleration's filter and score. */
  tolerations?: readonly PodToleration[];
  /** `spec.nodeSelector` (none when absent), for NodeAffinity's filter. */
  nodeSelector?: Readonly<Record<string, string>>;
  /** `spec.affinity.nodeAffinity` (none when absent), for NodeAffinity's filter and score. */
  nodeAffinity?: PodNodeAffinity;
}

/** Per filter reason, how many nodes failed with it; a node may count under several. */
export interface ScheduleReasons {
  /** Nodes rejected because they are unschedulable (no other reason is counted for them). */
  unschedulable: number;
  /** Nodes already holding `allocatablePods` pods. */
  tooManyPods: number;
  /** Nodes without enough unrequested cpu. */
  insufficientCpu: number;
  /** Nodes without enough unrequested memory. */
  insufficientMemory: number;
  /** Nodes with a NoSchedule/NoExecute taint the pod does not tolerate (counted alone). */
  untoleratedTaint: number;
  /** Nodes not matching the pod's node selector or required node affinity (counted alone). */
  nodeAffinity: number;
}

/** Reason counts of zero, to count into. */
export function emptyScheduleReasons(): ScheduleReasons {
  return { unschedulable: 0, tooManyPods: 0, insufficientCpu: 0, insufficientMemory: 0, untoleratedTaint: 0, nodeAffinity: 0 };
}

/** The outcome of scheduling one pod. */
export interface ScheduleResult {
  /** The chosen node, or null when no node passes the filters. */
  nodeName: string | null;
  /** Its weighted score (see {@link ScoringWeights}; 0 when nodeName is null). */
  score: number;
  /** How many nodes were feasible (passed every filter). */
  feasibleNodes: number;
  /** Per reason, how many nodes failed with it; a node may count under several. */
  reasons: ScheduleReasons;
}

/** Per-plugin weights of the core's total score (integers). */
export interface ScoringWeights {
  /** Weight of LeastAllocated (NodeResourcesFit's score weight). */
  leastAllocatedWeight: number;
  /** Weight of BalancedAllocation; 0 leaves it out. */
  balancedAllocationWeight: number;
  /** Weight of TaintToleration's score; 0 (or absent) leaves it out. */
  taintTolerationWeight?: number;
  /** Weight of NodeAffinity's score; 0 (or absent) leaves it out. */
  nodeAffinityWeight?: number;
}

/** The weights a new core starts with: LeastAllocated alone. */
export const DEFAULT_SCORING_WEIGHTS: Readonly<ScoringWeights> = {
  leastAllocatedWeight: 1,
  balancedAllocationWeight: 0,
  taintTolerationWeight: 0,
  nodeAffinityWeight: 0,
};

/** The filter+score core: a node table with per-node pod accounting. */
export interface SchedulerCore {
  /** Sets the weights of the score that `schedule`, `scheduleBatch` and `scoreAll` report from now on. */
  configureScoring(weights: ScoringWeights): void;
  /**
   * Adds a node, or replaces a known node's allocatable resources, unschedulable flag and taints.
   * A known node keeps its place and its accounted pods; a new node is appended and takes
   * over the pods added under its name before it was known.
   */
  upsertNode(node: NodeResources): void;
  /** Forgets the node and its accounted pods. An unknown name is a no-op. */
  removeNode(name: string): void;
  /**
   * Accounts a bound or assumed pod on a node. If the node is unknown, the pod is kept in a
   * per-node record created on demand, which a later `upsertNode` of that name takes over.
   */
  addPod(nodeName: string, requests: PodRequests): void;
  /**
   * Undoes `addPod` with the same requests (no clamping: removing a pod that was never added
   * leaves negative usage). A pending record that returns to all zeros is dropped; a name
   * with neither a node nor a pending record is a no-op.
   */
  removePod(nodeName: string, requests: PodRequests): void;
  /** Filters every node, scores every feasible node and picks the best. */
  schedule(pod: PodRequests): ScheduleResult;
  /**
   * Schedules `pods` in order, each as `schedule` would, each seeing the ones placed before it:
   * after each placement the pod is accounted on the chosen node exactly as
   * `addPod(nodeName, pod)` does, and it stays accounted (undo one with `removePod`, e.g. when
   * its bind fails). A pod no node fits is not accounted. One result per pod, in order.
   */
  scheduleBatch(pods: readonly PodRequests[]): ScheduleResult[];
  /** For tests: per node in `nodeNames()` order, the score, or -1 where a filter rejects. */
  scoreAll(pod: PodRequests): Float64Array;
  /** Node names in table order (a fresh array). */
  nodeNames(): string[];
  /** How many nodes the table holds (pending records are not nodes). */
  readonly nodeCount: number;
}

/** Which implementation `createSchedulerCore` builds. */
export type SchedulerCoreKind = 'native' | 'ts';
