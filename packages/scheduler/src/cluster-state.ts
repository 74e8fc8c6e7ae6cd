/**
 * Keeps the scheduler core's node table and the framework's node snapshot (same order) and
 * their pod accounting in step with the informers, and remembers assumed pods (placed but not
 * yet seen bound) so a pod is counted on its node exactly once.
 */
import { bytes, isPodTerminal, milliCpu, namespacedName, type Node, type Pod } from '@skiff/api';
import type { NodeResources, PodRequests, SchedulerCore } from './core/contract.js';
import { coreRequests, podInfo } from './framework/framework.js';
import { NodeInfoStore, type PodUsage } from './framework/node-info.js';
import { podHostPorts } from './plugins/node-ports.js';

/** A node's schedulable resources from its status (allocatable, else capacity). */
export function nodeResources(node: Node): NodeResources {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    name: node.metadata?.name ?? '',
    allocatableMilliCpu: alloc['cpu'] === undefined ? 0 : milliCpu(alloc['cpu']),
    allocatableMemoryBytes: alloc['memory'] === undefined ? 0 : bytes(alloc['memory']),
    allocatablePods: alloc['pods'] === undefined ? 0 : Number(alloc['pods']),
    unschedulable: node.spec?.unschedulable === true,
    taints: node.spec?.taints ?? [],
    labels: node.metadata?.labels ?? {},
  };
}

/** True when a pod holds resources on its node (bound and not finished). */
export function occupiesNode(pod: Pod): boolean {
  return pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '' && !isPodTerminal(pod);
}

/** What a pod holds on its node, for the core and for the snapshot. */
interface Held {
  node: string;
  /** The latest version seen (preemption reads priority, start time, deletionTimestamp). */
  pod: Pod;
  requests: PodRequests;
  usage: PodUsage;
  assumed: boolean;
}

/** The core's requests and the snapshot's usage of a pod. */
export function podHoldings(pod: Pod): { requests: PodRequests; usage: PodUsage } {
  const info = podInfo(pod);
  const usage: PodUsage = {
    requests: info.resources.requests,
    nonZeroMilliCpu: info.resources.nonZeroMilliCpu,
    nonZeroMemoryBytes: info.resources.nonZeroMemoryBytes,
    ports: podHostPorts(pod),
    pod,
  };
  return { requests: coreRequests(info), usage };
}

export class ClusterState {
  /** Pod key → where and how much it is counted. */
  private readonly accounted = new Map<string, Held>();
  /** Node name → pod key → its holding, for preemption. */
  private readonly byNode = new Map<string, Map<string, Held>>();
  /** The framework's node snapshot, in the core's table order. */
  readonly nodes = new NodeInfoStore();

  constructor(readonly core: SchedulerCore) {}

  upsertNode(node: Node): void {
    this.core.upsertNode(nodeResources(node));
    this.nodes.upsert(node);
  }

  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    this.core.removeNode(name);
    this.nodes.remove(name);
  }

  /** Reconciles one pod's accounting with what the informer says now. */
  observePod(pod: Pod): void {
    const key = namespacedName(pod);
    const held = this.accounted.get(key);
    if (!occupiesNode(pod)) {
      if (held !== undefined && !held.assumed) this.forget(key);
      else if (held !== undefined && isPodTerminal(pod)) this.forget(key);
      return;
    }
    const node = pod.spec?.nodeName ?? '';
    if (held !== undefined && held.node === node) {
      held.assumed = false;
      held.pod = pod;
      // The inter-pod plugins read labels and affinity terms from the latest object.
      const previous = held.usage.pod;
      if (previous !== undefined && previous !== pod) {
        this.nodes.replacePod(node, previous, pod);
        held.usage = { ...held.usage, pod };
      }
      return;
    }
    if (held !== undefined) this.forget(key);
    this.hold(key, node, pod, false);
  }

  /** The pod is gone: release what it held. */
  deletePod(pod: Pod): void {
    this.forget(namespacedName(pod));
  }

  /** Counts a pod on a node before the bind is confirmed. */
  assume(pod: Pod, node: string): void {
    const key = namespacedName(pod);
    this.forget(key);
    this.hold(key, node, pod, true);
  }

  /** The pods accounted on a node (bound or assumed), with what they hold. */
  podsOn(node: string): Array<{ pod: Pod; usage: PodUsage }> {
    const out: Array<{ pod: Pod; usage: PodUsage }> = [];
    for (const held of this.byNode.get(node)?.values() ?? []) out.push({ pod: held.pod, usage: held.usage });
    return out;
  }

  /** True while the pod is accounted on some node (bound or assumed). */
  holds(key: string): boolean {
    return this.accounted.has(key);
  }

  private hold(key: string, node: string, pod: Pod, assumed: boolean): void {
    const { requests, usage } = podHoldings(pod);
    this.core.addPod(node, requests);
    this.nodes.addPod(node, usage);
    const held: Held = { node, pod, requests, usage, assumed };
    this.accounted.set(key, held);
    let onNode = this.byNode.get(node);
    if (onNode === undefined) {
      onNode = new Map();
      this.byNode.set(node, onNode);
    }
    onNode.set(key, held);
  }

  /** Undoes assume() after a failed bind (no-op once the informer confirmed it). */
  forgetAssumed(key: string): void {
    if (this.accounted.get(key)?.assumed === true) this.forget(key);
  }

  private forget(key: string): void {
    const held = this.accounted.get(key);
    if (held === undefined) return;
    this.core.removePod(held.node, held.requests);
    this.nodes.removePod(held.node, held.usage);
    this.accounted.delete(key);
    const onNode = this.byNode.get(held.node);
    onNode?.delete(key);
    if (onNode?.size === 0) this.byNode.delete(held.node);
  }
}
