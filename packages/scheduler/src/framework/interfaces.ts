/**
 * Plugin interfaces, one per extension point, in kube-scheduler's model. A plugin implements
 * `Plugin` plus any of the extension-point interfaces; the framework calls them in profile
 * order. Every call returns `Status | null` (null = Success).
 *
 * Scheduling cycle (synchronous, one pod at a time): PreFilter → Filter (every node) →
 * PostFilter (only when no node fits) → PreScore → Score + NormalizeScore (feasible nodes) →
 * Reserve. Binding cycle (asynchronous): Permit → PreBind → Bind; a failure there runs
 * Unreserve in reverse order and returns the pod to the queue.
 */
import type { Pod } from '@skiff/api';
import type { ClusterObjects } from './cluster-objects.js';
import type { ClusterEvent } from './events.js';
import type { NodeInfo, NodeInfoStore } from './node-info.js';
import type { PodResources } from './resources.js';
import type { Status } from './status.js';
import type { WaitingPod } from './waiting-pods.js';

/** Scores are bounded: 0..MAX_NODE_SCORE after normalization. */
export const MAX_NODE_SCORE = 100;

/** Per-cycle scratch space shared by a pod's plugins, keyed by plugin. */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /** The value written under `key`, or undefined. The writer's type is the reader's contract. */
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  /**
   * A copy for a what-if (preemption tries each node on its own copy). Values are shared: a
   * plugin that changes its state in `addPod`/`removePod` writes a new value, never mutates.
   */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) copy.data.set(k, v);
    return copy;
  }
}

/** The pod being scheduled, with what every plugin needs computed once. */
export interface PodInfo {
  readonly pod: Pod;
  /** `namespace/name`. */
  readonly key: string;
  readonly resources: PodResources;
}

/**
 * What the framework lends plugins: the node snapshot, the cluster objects the inter-pod plugins read,
 * and Filter for what-ifs (preemption).
 */
export interface FrameworkHandle {
  readonly nodes: NodeInfoStore;
  readonly objects: ClusterObjects;
  /**
   * Runs the cycle's filters (those PreFilter did not skip) on one node record, possibly a
   * copy with pods removed, counting the pods nominated there as Filter does. Null: it fits.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  /** Tells the PreFilter plugins with state that depends on other pods that `other` left `node`. */
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, other: Pod, node: NodeInfo): Status | null;
  /** Tells the PreFilter plugins with state that depends on other pods that `other` joined `node`. */
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, other: Pod, node: NodeInfo): Status | null;
  /** The pod (`namespace/name`) held at Permit, if it is. */
  getWaitingPod(key: string): WaitingPod | undefined;
  /** Visits every pod held at Permit (allow or reject them from another plugin). */
  iterateOverWaitingPods(visit: (pod: WaitingPod) => void): void;
}

/** The base of every plugin. */
export interface Plugin {
  /** The upstream plugin name (`TaintToleration`, ...), used in configuration and metrics. */
  readonly name: string;
}

/** Declares which cluster events can make a pod this plugin rejected schedulable again. */
export interface EnqueueExtensions {
  eventsToRegister(): readonly ClusterEvent[];
}

/**
 * Called once per cycle before Filter. Skip: the plugin's Filter is not run for this pod.
 * A rejection ends the cycle (every node counts as rejected with the PreFilter's reason).
 */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): Status | null;
  /**
   * Upstream's PreFilterExtensions, for plugins whose PreFilter state counts other pods
   * (affinity, spreading): update the state for `other` joining or leaving `node`. Called on
   * a cloned state during preemption's what-ifs and when nominated pods are counted.
   */
  addPod?(state: CycleState, pod: PodInfo, other: Pod, node: NodeInfo): Status | null;
  removePod?(state: CycleState, pod: PodInfo, other: Pod, node: NodeInfo): Status | null;
}

/** Called per node; a rejection removes the node. Must not modify the node. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
}

/** The reasons per rejected node after Filter. */
export interface Diagnosis {
  /** node name → the status of the first plugin that rejected it. */
  readonly nodeStatuses: ReadonlyMap<string, Status>;
  /** Plugins that rejected at least one node (for requeueing on their events). */
  readonly rejectors: ReadonlySet<string>;
  /** Set when a PreFilter plugin rejected the pod. */
  readonly preFilterMessage?: string;
}

/** Called when no node passes Filter (e.g. preemption). May nominate a node. */
export interface PostFilterPlugin extends Plugin {
  postFilter(
    state: CycleState,
    pod: PodInfo,
    diagnosis: Diagnosis,
  ): { status: Status | null; nominatedNodeName?: string; message?: string };
}

/** Called once before Score with the feasible nodes. Skip: the plugin's Score is not run. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null;
}

/** Scores one feasible node; optionally normalizes all scores to 0..100 in place. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Int32Array | number[]): void;
}

/** Reserve runs after a node is chosen; Unreserve undoes it when a later step fails. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/**
 * Permit may approve, reject or hold (Wait, with `timeoutMs`, capped at 15 minutes) a pod
 * before binding; a held pod waits for `allow`/`reject` through the handle's waiting pods.
 */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): { status: Status | null; timeoutMs?: number };
}

/** Work that must happen before the bind (e.g. provisioning). */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null>;
}

/** Binds the pod; Skip passes the pod to the next bind plugin. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null>;
}
