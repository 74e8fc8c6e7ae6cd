/**
 * The framework's view of every node (kube-scheduler's `NodeInfo`): the Node object, its
 * allocatable resources, what the pods accounted on it request, the host ports they hold, and
 * the images it reports. `NodeInfoStore` keeps the records in the same order as the scheduler
 * core's table (append new, swap-remove), so the core's per-node arrays index it directly.
 */
import type { Node, Pod } from '@skiff/api';
import { PodCountRegistry } from './pod-counts.js';
import { quantityValue, type ResourceVector } from './resources.js';

/** A host port a pod holds on its node. */
export interface HostPort {
  /** `0.0.0.0` when the pod did not name one. */
  readonly hostIP: string;
  /** `TCP`, `UDP` or `SCTP`. */
  readonly protocol: string;
  readonly port: number;
}

/** What one accounted pod contributes to its node. */
export interface PodUsage {
  readonly requests: ResourceVector;
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemoryBytes: number;
  readonly ports: readonly HostPort[];
  /** The pod itself, for the plugins that look at the pods on a node (labels, affinity terms). */
  readonly pod?: Pod;
}

/** True when the pod has pod affinity or anti-affinity terms (required or preferred). */
export function hasPodAffinityTerms(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  return a?.podAffinity !== undefined || a?.podAntiAffinity !== undefined;
}

/**
 * True when the pod's terms can score other pods' placement: pod affinity (required, through
 * hardPodAffinityWeight, or preferred) or preferred anti-affinity.
 */
export function scoresOtherPods(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  const affinity = a?.podAffinity;
  return (
    (affinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0 ||
    (affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0 ||
    (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0
  );
}

/** True when the pod has required pod anti-affinity terms. */
export function hasRequiredAntiAffinity(pod: Pod): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0;
}

/** One node as the plugins see it. Plugins read it; only the store writes it. */
export interface NodeInfo {
  readonly name: string;
  /** The Node object (a stub with only a name while pods arrive before their node). */
  node: Node;
  /** Allocatable per resource (cpu in millicores; `pods` is the pod capacity). */
  allocatable: ResourceVector;
  /** Sum of the real requests of the accounted pods. */
  readonly requested: ResourceVector;
  /** `allocatable` and `requested` of cpu (millicores) and memory, as plain fields for the hot loops. */
  allocatableMilliCpu: number;
  allocatableMemoryBytes: number;
  requestedMilliCpu: number;
  requestedMemoryBytes: number;
  nonZeroMilliCpu: number;
  nonZeroMemoryBytes: number;
  podCount: number;
  /** Host ports held, one entry per holder (a port may appear twice after an overcommit). */
  readonly usedPorts: HostPort[];
  /** Normalized image name → size in bytes, from `status.images`. */
  images: Map<string, number>;
  /** The accounted pods (bound and assumed), for the inter-pod plugins. */
  readonly pods: Pod[];
  /** The subset of {@link pods} with pod affinity or anti-affinity terms. */
  readonly podsWithAffinity: Pod[];
  /** The subset of {@link pods} with required pod anti-affinity terms. */
  readonly podsWithRequiredAntiAffinity: Pod[];
  /** Per domain-id slot: the id of the node's value of that label key, -1 or missing without it (`domain-ids.ts`). */
  readonly domainIds: number[];
}

/** `nginx` → `nginx:latest`; a name with a tag or digest is kept as it is (as upstream). */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** NoSchedule and NoExecute taints keep pods off; PreferNoSchedule only scores. */
function isHardTaint(t: { effect: string }): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}

function allocatableOf(node: Node): ResourceVector {
  const out: ResourceVector = new Map();
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  for (const [name, q] of Object.entries(list)) {
    try {
      out.set(name, quantityValue(name, q));
    } catch {
      // A malformed quantity on a node reads as 0 rather than stopping the scheduler.
      out.set(name, 0);
    }
  }
  return out;
}

function imagesOf(node: Node): Map<string, number> {
  const out = new Map<string, number>();
  for (const image of node.status?.images ?? []) {
    for (const name of image.names ?? []) out.set(normalizedImageName(name), image.sizeBytes ?? 0);
  }
  return out;
}

function emptyInfo(name: string, node: Node): NodeInfo {
  return {
    name,
    node,
    allocatable: new Map(),
    requested: new Map(),
    allocatableMilliCpu: 0,
    allocatableMemoryBytes: 0,
    requestedMilliCpu: 0,
    requestedMemoryBytes: 0,
    nonZeroMilliCpu: 0,
    nonZeroMemoryBytes: 0,
    podCount: 0,
    usedPorts: [],
    images: new Map(),
    pods: [],
    podsWithAffinity: [],
    podsWithRequiredAntiAffinity: [],
    domainIds: [],
  };
}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Adds or removes the pod in the node's pod lists. */
function trackPod(info: NodeInfo, pod: Pod, sign: 1 | -1): void {
  const edit = sign === 1 ? (l: Pod[]): void => void l.push(pod) : (l: Pod[]): void => removeItem(l, pod);
  edit(info.pods);
  if (hasPodAffinityTerms(pod)) edit(info.podsWithAffinity);
  if (hasRequiredAntiAffinity(pod)) edit(info.podsWithRequiredAntiAffinity);
}

function account(info: NodeInfo, usage: PodUsage, sign: 1 | -1): void {
  for (const [k, v] of usage.requests) info.requested.set(k, (info.requested.get(k) ?? 0) + sign * v);
  info.requestedMilliCpu = info.requested.get('cpu') ?? 0;
  info.requestedMemoryBytes = info.requested.get('memory') ?? 0;
  info.nonZeroMilliCpu += sign * usage.nonZeroMilliCpu;
  info.nonZeroMemoryBytes += sign * usage.nonZeroMemoryBytes;
  info.podCount += sign;
  if (sign === 1) info.usedPorts.push(...usage.ports);
  else
    for (const p of usage.ports) {
      const i = info.usedPorts.findIndex((u) => u.port === p.port && u.protocol === p.protocol && u.hostIP === p.hostIP);
      if (i >= 0) info.usedPorts.splice(i, 1);
    }
}

/**
 * A copy of a node's record that can be changed without touching the snapshot (preemption's
 * what-if: the node with some pods removed or nominated pods added). The Node object and the
 * images are shared (read-only); the accounting is copied.
 */
export function copyNodeInfo(info: NodeInfo): NodeInfo {
  return { ...info, requested: new Map(info.requested), usedPorts: [...info.usedPorts] };
}

/** Counts a pod on a copied record ({@link copyNodeInfo}); never on the snapshot's own. */
export function addPodUsage(info: NodeInfo, usage: PodUsage): void {
  account(info, usage, 1);
}

/** Removes a pod's usage from a copied record ({@link copyNodeInfo}). */
export function removePodUsage(info: NodeInfo, usage: PodUsage): void {
  account(info, usage, -1);
}

/** Every node's {@link NodeInfo}, in the core's table order, plus cluster-wide image counts. */
export class NodeInfoStore {
  private readonly infos: NodeInfo[] = [];
  private readonly index = new Map<string, number>();
  /** Pods accounted under a name with no node yet; a later upsert takes them over. */
  private readonly pending = new Map<string, NodeInfo>();
  /** Normalized image name → how many nodes report it. */
  private readonly imageNodes = new Map<string, number>();
  /** How many nodes carry at least one PreferNoSchedule taint. */
  private preferNoScheduleNodes = 0;
  /** How many nodes carry at least one NoSchedule or NoExecute taint. */
  private hardTaintNodes = 0;
  /** Nodes holding pods with pod affinity or anti-affinity terms. */
  private readonly affinityNodes = new Set<NodeInfo>();
  /** Nodes holding pods with required pod anti-affinity terms. */
  private readonly antiAffinityNodes = new Set<NodeInfo>();
  /** How many accounted pods have terms that score other pods ({@link scoresOtherPods}). */
  private scoringPods = 0;
  /** Pods counted per node and per topology domain for the inter-pod plugins, kept up to date. */
  readonly podCounts = new PodCountRegistry(() => ({ nodes: this.infos, pending: this.pending.values() }));

  /** Nodes in table order (the live array: do not modify). */
  list(): readonly NodeInfo[] {
    return this.infos;
  }

  get(name: string): NodeInfo | undefined {
    const at = this.index.get(name);
    return at === undefined ? undefined : this.infos[at];
  }

  get size(): number {
    return this.infos.length;
  }

  /** How many nodes report the image (normalized name). */
  nodesWithImage(image: string): number {
    return this.imageNodes.get(image) ?? 0;
  }

  /** True when some node has a PreferNoSchedule taint (else TaintToleration scores are all equal). */
  anyPreferNoScheduleTaint(): boolean {
    return this.preferNoScheduleNodes > 0;
  }

  /** True when some node has a NoSchedule or NoExecute taint (else TaintToleration's filter passes every node). */
  anyHardTaint(): boolean {
    return this.hardTaintNodes > 0;
  }

  /** The nodes holding pods with pod affinity or anti-affinity terms (InterPodAffinity's scoring looks at them). */
  nodesWithPodAffinity(): ReadonlySet<NodeInfo> {
    return this.affinityNodes;
  }

  /** True when some accounted pod has terms that score other pods' placement. */
  anyPodScoringOthers(): boolean {
    return this.scoringPods > 0;
  }

  /** The nodes holding pods with required anti-affinity terms (InterPodAffinity's filter checks them). */
  nodesWithRequiredAntiAffinity(): ReadonlySet<NodeInfo> {
    return this.antiAffinityNodes;
  }

  /** Adds a node or refreshes a known one in place (same order rules as the core table). */
  upsert(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.get(name);
    const known = info !== undefined;
    if (info === undefined) {
      info = this.pending.get(name) ?? emptyInfo(name, node);
      this.pending.delete(name);
      this.index.set(name, this.infos.length);
      this.infos.push(info);
    } else this.forgetNodeFacts(info);
    const relabelled = this.podCounts.nodeChanging(info, node.metadata?.labels, known);
    info.node = node;
    relabelled();
    info.allocatable = allocatableOf(node);
    info.allocatableMilliCpu = info.allocatable.get('cpu') ?? 0;
    info.allocatableMemoryBytes = info.allocatable.get('memory') ?? 0;
    info.images = imagesOf(node);
    this.countNodeFacts(info);
  }

  /** Forgets a node (swap-remove) and the pods accounted on it. */
  remove(name: string): void {
    const pending = this.pending.get(name);
    if (pending !== undefined) {
      this.forgetPods(pending);
      this.podCounts.nodeGone(pending, false);
    }
    this.pending.delete(name);
    const at = this.index.get(name);
    if (at === undefined) return;
    const gone = this.infos[at]!;
    this.forgetNodeFacts(gone);
    this.forgetPods(gone);
    this.podCounts.nodeGone(gone, true);
    this.index.delete(name);
    const last = this.infos.pop()!;
    if (at < this.infos.length) {
      this.infos[at] = last;
      this.index.set(last.name, at);
    }
  }

  /** Accounts a pod on a node (kept pending when the node is not known yet). */
  addPod(nodeName: string, usage: PodUsage): void {
    let info = this.get(nodeName) ?? this.pending.get(nodeName);
    if (info === undefined) {
      info = emptyInfo(nodeName, { metadata: { name: nodeName } });
      this.pending.set(nodeName, info);
    }
    account(info, usage, 1);
    if (usage.pod !== undefined) this.countPod(info, usage.pod, 1);
  }

  /** Replaces the accounted pod object (its labels changed) without touching the resources. */
  replacePod(nodeName: string, previous: Pod, next: Pod): void {
    const info = this.get(nodeName) ?? this.pending.get(nodeName);
    if (info === undefined || !info.pods.includes(previous)) return;
    this.countPod(info, previous, -1);
    this.countPod(info, next, 1);
  }

  /** The node's pods leave the affinity sets (the node is gone). */
  private forgetPods(info: NodeInfo): void {
    for (const pod of info.podsWithAffinity) if (scoresOtherPods(pod)) this.scoringPods -= 1;
    this.affinityNodes.delete(info);
    this.antiAffinityNodes.delete(info);
  }

  private countPod(info: NodeInfo, pod: Pod, sign: 1 | -1): void {
    // A pod of a removed node that came back is not on the new record: nothing to undo.
    if (sign === -1 && !info.pods.includes(pod)) return;
    trackPod(info, pod, sign);
    this.podCounts.podChanged(info, pod, sign);
    if (scoresOtherPods(pod)) this.scoringPods += sign;
    // Pods on a pending (not yet known) node count too: they join the node when it arrives.
    // Only a pod with terms changes the sets.
    if (!hasPodAffinityTerms(pod)) return;
    if (info.podsWithAffinity.length > 0) this.affinityNodes.add(info);
    else this.affinityNodes.delete(info);
    if (info.podsWithRequiredAntiAffinity.length > 0) this.antiAffinityNodes.add(info);
    else this.antiAffinityNodes.delete(info);
  }

  /** Undoes {@link addPod} with the same usage. */
  removePod(nodeName: string, usage: PodUsage): void {
    const info = this.get(nodeName) ?? this.pending.get(nodeName);
    if (info === undefined) return;
    account(info, usage, -1);
    if (usage.pod !== undefined) this.countPod(info, usage.pod, -1);
    if (this.pending.has(nodeName) && info.podCount === 0) this.pending.delete(nodeName);
  }

  private countNodeFacts(info: NodeInfo): void {
    for (const image of info.images.keys()) this.imageNodes.set(image, (this.imageNodes.get(image) ?? 0) + 1);
    if ((info.node.spec?.taints ?? []).some((t) => t.effect === 'PreferNoSchedule')) this.preferNoScheduleNodes += 1;
    if ((info.node.spec?.taints ?? []).some(isHardTaint)) this.hardTaintNodes += 1;
  }

  private forgetNodeFacts(info: NodeInfo): void {
    for (const image of info.images.keys()) {
      const n = (this.imageNodes.get(image) ?? 0) - 1;
      if (n <= 0) this.imageNodes.delete(image);
      else this.imageNodes.set(image, n);
    }
    if ((info.node.spec?.taints ?? []).some((t) => t.effect === 'PreferNoSchedule')) this.preferNoScheduleNodes -= 1;
    if ((info.node.spec?.taints ?? []).some(isHardTaint)) this.hardTaintNodes -= 1;
  }
}
