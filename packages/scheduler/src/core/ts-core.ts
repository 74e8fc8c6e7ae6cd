import { emptyScheduleReasons } from './contract.js';
import type {
  NodeResources,
  NodeTaint,
  PodNodeAffinity,
  PodRequests,
  PodToleration,
  ScheduleReasons,
  ScheduleResult,
  SchedulerCore,
  ScoringWeights,
} from './contract.js';
import type { Node } from '@skiff/api';
import { anyTermMatches, termMatches } from '../plugins/node-selector.js';
import { toleratesTaint } from '../plugins/tolerations.js';

/** Pod requests after `toInt`, so the arithmetic below sees integers only, and tolerations. */
interface Requests {
  milliCpu: number;
  memoryBytes: number;
  nonZeroMilliCpu: number;
  nonZeroMemoryBytes: number;
  tolerations: readonly PodToleration[];
  nodeSelector: Readonly<Record<string, string>>;
  nodeAffinity: PodNodeAffinity;
}

/** What the pods accounted on one node add up to. */
interface Usage {
  requestedMilliCpu: number;
  requestedMemoryBytes: number;
  nonZeroMilliCpu: number;
  nonZeroMemoryBytes: number;
  podCount: number;
}

/** One node of the table: its allocatable resources and its accounted pods. */
interface NodeRow extends Usage {
  readonly name: string;
  allocatableMilliCpu: number;
  allocatableMemoryBytes: number;
  allocatablePods: number;
  unschedulable: boolean;
  taints: readonly NodeTaint[];
  /** The node's name and labels, as the NodeAffinity plugin's helpers read them. */
  node: Node;
}

const MAX_NODE_SCORE = 100;

/**
 * Reads a number the way napi reads an `i64`: truncated toward zero, non-finite as 0.
 * (`+ 0` turns -0 into 0.)
 */
function toInt(value: number): number {
  return Number.isFinite(value) ? Math.trunc(value) + 0 : 0;
}

function toRequests(pod: PodRequests): Requests {
  return {
    milliCpu: toInt(pod.milliCpu),
    memoryBytes: toInt(pod.memoryBytes),
    nonZeroMilliCpu: toInt(pod.nonZeroMilliCpu),
    nonZeroMemoryBytes: toInt(pod.nonZeroMemoryBytes),
    tolerations: pod.tolerations ?? [],
    nodeSelector: pod.nodeSelector ?? {},
    nodeAffinity: pod.nodeAffinity ?? {},
  };
}

function emptyUsage(): Usage {
  return {
    requestedMilliCpu: 0,
    requestedMemoryBytes: 0,
    nonZeroMilliCpu: 0,
    nonZeroMemoryBytes: 0,
    podCount: 0,
  };
}

function addUsage(u: Usage, r: Requests): void {
  u.requestedMilliCpu += r.milliCpu;
  u.requestedMemoryBytes += r.memoryBytes;
  u.nonZeroMilliCpu += r.nonZeroMilliCpu;
  u.nonZeroMemoryBytes += r.nonZeroMemoryBytes;
  u.podCount += 1;
}

function subUsage(u: Usage, r: Requests): void {
  u.requestedMilliCpu -= r.milliCpu;
  u.requestedMemoryBytes -= r.memoryBytes;
  u.nonZeroMilliCpu -= r.nonZeroMilliCpu;
  u.nonZeroMemoryBytes -= r.nonZeroMemoryBytes;
  u.podCount -= 1;
}

function isZeroUsage(u: Usage): boolean {
  return (
    u.requestedMilliCpu === 0 && u.requestedMemoryBytes === 0 && u.nonZeroMilliCpu === 0 && u.nonZeroMemoryBytes === 0 && u.podCount === 0
  );
}

/**
 * One resource's least-requested score: `floor((allocatable - requested) * 100 / allocatable)`,
 * 0 when `allocatable <= 0` or `requested > allocatable`. Exact for integer inputs: plain
 * doubles while `(allocatable - requested) * 100` is a safe integer (the quotient can then be
 * at most one too high, which the product check corrects), BigInt beyond.
 */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  const free = allocatable - requested;
  const scaled = free * MAX_NODE_SCORE;
  if (scaled <= Number.MAX_SAFE_INTEGER) {
    let score = Math.floor(scaled / allocatable);
    if (score * allocatable > scaled) score -= 1;
    return score;
  }
  return Number((BigInt(free) * BigInt(MAX_NODE_SCORE)) / BigInt(allocatable));
}

function tolerated(tolerations: readonly PodToleration[], taint: NodeTaint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** TaintToleration's filter: some NoSchedule/NoExecute taint is not tolerated. */
function untoleratedHardTaint(node: NodeRow, pod: Requests): boolean {
  return node.taints.some((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(pod.tolerations, t));
}

/** TaintToleration's raw score: the PreferNoSchedule taints not tolerated. */
function untoleratedPreferred(node: NodeRow, pod: Requests): number {
  let count = 0;
  for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerated(pod.tolerations, t)) count += 1;
  return count;
}

/** NodeAffinity's filter: some nodeSelector label differs, or no required term matches. */
function affinityRejects(node: NodeRow, pod: Requests): boolean {
  const labels = node.node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.nodeSelector)) if (labels[k] !== v) return true;
  const required = pod.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  return required !== undefined && !anyTermMatches(required.nodeSelectorTerms, node.node);
}

/** NodeAffinity's raw score: the weights of the preferred terms the node matches. */
function preferredAffinity(node: NodeRow, pod: Requests): number {
  let total = 0;
  for (const term of pod.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (term.weight !== 0 && termMatches(term.preference, node.node)) total += term.weight;
  }
  return total;
}

/** The row's node as the NodeAffinity helpers read it. */
function nodeObject(node: NodeResources): Node {
  return { metadata: { name: node.name, labels: { ...(node.labels ?? {}) } } };
}

/**
 * NodeUnschedulable, TaintToleration, NodeAffinity, then NodeResourcesFit. An unschedulable
 * node counts only under `unschedulable`, a node with an untolerated taint only under
 * `untoleratedTaint`, one NodeAffinity rejects only under `nodeAffinity`; otherwise every
 * failing resource check is counted. Returns true when the node is feasible.
 * `reasons` may be null when only the verdict is wanted.
 */
function passesFilters(node: NodeRow, pod: Requests, reasons: ScheduleReasons | null): boolean {
  if (node.unschedulable) {
    if (reasons !== null) reasons.unschedulable += 1;
    return false;
  }
  if (node.taints.length > 0 && untoleratedHardTaint(node, pod)) {
    if (reasons !== null) reasons.untoleratedTaint += 1;
    return false;
  }
  if (affinityRejects(node, pod)) {
    if (reasons !== null) reasons.nodeAffinity += 1;
    return false;
  }
  const tooManyPods = node.podCount + 1 > node.allocatablePods;
  const insufficientCpu = pod.milliCpu > 0 && pod.milliCpu > node.allocatableMilliCpu - node.requestedMilliCpu;
  const insufficientMemory = pod.memoryBytes > 0 && pod.memoryBytes > node.allocatableMemoryBytes - node.requestedMemoryBytes;
  if (!(tooManyPods || insufficientCpu || insufficientMemory)) return true;
  if (reasons !== null) {
    if (tooManyPods) reasons.tooManyPods += 1;
    if (insufficientCpu) reasons.insufficientCpu += 1;
    if (insufficientMemory) reasons.insufficientMemory += 1;
  }
  return false;
}

/** LeastAllocated with cpu and memory at weight 1. Call only for feasible nodes. */
function leastAllocatedScore(node: NodeRow, pod: Requests): number {
  const cpu = leastRequestedScore(node.nonZeroMilliCpu + pod.nonZeroMilliCpu, node.allocatableMilliCpu);
  const memory = leastRequestedScore(node.nonZeroMemoryBytes + pod.nonZeroMemoryBytes, node.allocatableMemoryBytes);
  return Math.floor((cpu + memory) / 2);
}

function fraction(requested: number, allocatable: number): number {
  return allocatable === 0 ? -1 : Math.min(requested / allocatable, 1);
}

/** BalancedAllocation over cpu and memory with real requests, as the plugin computes it. */
function balancedAllocationScore(node: NodeRow, pod: Requests): number {
  const cpu = fraction(node.requestedMilliCpu + pod.milliCpu, node.allocatableMilliCpu);
  const memory = fraction(node.requestedMemoryBytes + pod.memoryBytes, node.allocatableMemoryBytes);
  if (cpu >= 0 && memory >= 0) return Math.trunc((1 - Math.abs((cpu - memory) / 2)) * MAX_NODE_SCORE);
  return MAX_NODE_SCORE;
}

/** The weighted total of the unnormalized scores. Call only for feasible nodes. */
function scoreNode(node: NodeRow, pod: Requests, w: Required<ScoringWeights>): number {
  const least = leastAllocatedScore(node, pod) * w.leastAllocatedWeight;
  return w.balancedAllocationWeight === 0 ? least : least + balancedAllocationScore(node, pod) * w.balancedAllocationWeight;
}

/** `DefaultNormalizeScore` for one raw score and the highest. */
function normalized(raw: number, max: number): number {
  return max === 0 ? 0 : Math.trunc((MAX_NODE_SCORE * raw) / max);
}

/** `DefaultNormalizeScore` reversed. */
function normalizeReversed(raw: number, max: number): number {
  return MAX_NODE_SCORE - (max === 0 ? 0 : normalized(raw, max));
}

/** Per row in table order: feasible or not, and the total score of a feasible row. */
interface RowScores {
  readonly feasible: Uint8Array;
  readonly totals: Float64Array;
}

/**
 * Filters every row and scores the feasible ones, TaintToleration's and NodeAffinity's scores
 * normalized over the feasible rows.
 */
function scoreRows(rows: readonly NodeRow[], pod: Requests, w: Required<ScoringWeights>, reasons: ScheduleReasons | null): RowScores {
  const feasible = new Uint8Array(rows.length);
  const totals = new Float64Array(rows.length);
  const raw = new Float64Array(rows.length);
  const rawAffinity = new Float64Array(rows.length);
  let max = 0;
  let maxAffinity = 0;
  for (let i = 0; i < rows.length; i++) {
    const node = rows[i]!;
    if (!passesFilters(node, pod, reasons)) {
      totals[i] = -1;
      continue;
    }
    feasible[i] = 1;
    totals[i] = scoreNode(node, pod, w);
    if (w.taintTolerationWeight !== 0) {
      raw[i] = untoleratedPreferred(node, pod);
      if (raw[i]! > max) max = raw[i]!;
    }
    if (w.nodeAffinityWeight !== 0) {
      rawAffinity[i] = preferredAffinity(node, pod);
      if (rawAffinity[i]! > maxAffinity) maxAffinity = rawAffinity[i]!;
    }
  }
  if (w.taintTolerationWeight !== 0) {
    for (let i = 0; i < rows.length; i++) if (feasible[i] === 1) totals[i]! += normalizeReversed(raw[i]!, max) * w.taintTolerationWeight;
  }
  if (w.nodeAffinityWeight !== 0) {
    for (let i = 0; i < rows.length; i++)
      if (feasible[i] === 1) totals[i]! += normalized(rawAffinity[i]!, maxAffinity) * w.nodeAffinityWeight;
  }
  return { feasible, totals };
}

/**
 * The reference implementation of {@link SchedulerCore} in plain TypeScript: an array of node
 * records in table order, a name → index map, and pending usage for nodes not yet known.
 */
export class TsSchedulerCore implements SchedulerCore {
  private readonly rows: NodeRow[] = [];
  private readonly index = new Map<string, number>();
  private readonly pending = new Map<string, Usage>();
  private weights: Required<ScoringWeights> = {
    leastAllocatedWeight: 1,
    balancedAllocationWeight: 0,
    taintTolerationWeight: 0,
    nodeAffinityWeight: 0,
  };

  get nodeCount(): number {
    return this.rows.length;
  }

  configureScoring(weights: ScoringWeights): void {
    this.weights = {
      leastAllocatedWeight: toInt(weights.leastAllocatedWeight),
      balancedAllocationWeight: toInt(weights.balancedAllocationWeight),
      taintTolerationWeight: toInt(weights.taintTolerationWeight ?? 0),
      nodeAffinityWeight: toInt(weights.nodeAffinityWeight ?? 0),
    };
  }

  upsertNode(node: NodeResources): void {
    const at = this.index.get(node.name);
    if (at !== undefined) {
      const row = this.rows[at]!;
      row.allocatableMilliCpu = toInt(node.allocatableMilliCpu);
      row.allocatableMemoryBytes = toInt(node.allocatableMemoryBytes);
      row.allocatablePods = toInt(node.allocatablePods);
      row.unschedulable = node.unschedulable;
      row.taints = node.taints ?? [];
      row.node = nodeObject(node);
      return;
    }
    const usage = this.pending.get(node.name) ?? emptyUsage();
    this.pending.delete(node.name);
    this.index.set(node.name, this.rows.length);
    this.rows.push({
      name: node.name,
      allocatableMilliCpu: toInt(node.allocatableMilliCpu),
      allocatableMemoryBytes: toInt(node.allocatableMemoryBytes),
      allocatablePods: toInt(node.allocatablePods),
      unschedulable: node.unschedulable,
      taints: node.taints ?? [],
      node: nodeObject(node),
      requestedMilliCpu: usage.requestedMilliCpu,
      requestedMemoryBytes: usage.requestedMemoryBytes,
      nonZeroMilliCpu: usage.nonZeroMilliCpu,
      nonZeroMemoryBytes: usage.nonZeroMemoryBytes,
      podCount: usage.podCount,
    });
  }

  removeNode(name: string): void {
    this.pending.delete(name);
    const at = this.index.get(name);
    if (at === undefined) return;
    this.index.delete(name);
    const last = this.rows.pop()!;
    if (at < this.rows.length) {
      // Swap-remove: the last row takes the removed row's place.
      this.rows[at] = last;
      this.index.set(last.name, at);
    }
  }

  addPod(nodeName: string, requests: PodRequests): void {
    const r = toRequests(requests);
    const at = this.index.get(nodeName);
    if (at !== undefined) {
      addUsage(this.rows[at]!, r);
      return;
    }
    let usage = this.pending.get(nodeName);
    if (usage === undefined) {
      usage = emptyUsage();
      this.pending.set(nodeName, usage);
    }
    addUsage(usage, r);
  }

  removePod(nodeName: string, requests: PodRequests): void {
    const r = toRequests(requests);
    const at = this.index.get(nodeName);
    if (at !== undefined) {
      subUsage(this.rows[at]!, r);
      return;
    }
    const usage = this.pending.get(nodeName);
    if (usage === undefined) return;
    subUsage(usage, r);
    if (isZeroUsage(usage)) this.pending.delete(nodeName);
  }

  schedule(pod: PodRequests): ScheduleResult {
    const p = toRequests(pod);
    const reasons = emptyScheduleReasons();
    const { feasible, totals } = scoreRows(this.rows, p, this.weights, reasons);
    let best: NodeRow | undefined;
    let bestScore = 0;
    let feasibleNodes = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const node = this.rows[i]!;
      if (feasible[i] === 0) continue;
      const score = totals[i]!;
      feasibleNodes += 1;
      if (best === undefined || score > bestScore || (score === bestScore && node.name < best.name)) {
        best = node;
        bestScore = score;
      }
    }
    return {
      nodeName: best === undefined ? null : best.name,
      score: bestScore,
      feasibleNodes,
      reasons,
    };
  }

  scheduleBatch(pods: readonly PodRequests[]): ScheduleResult[] {
    return pods.map((pod) => {
      const result = this.schedule(pod);
      if (result.nodeName !== null) this.addPod(result.nodeName, pod);
      return result;
    });
  }

  scoreAll(pod: PodRequests): Float64Array {
    return scoreRows(this.rows, toRequests(pod), this.weights, null).totals;
  }

  nodeNames(): string[] {
    return this.rows.map((row) => row.name);
  }
}
