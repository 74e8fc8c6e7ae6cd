/**
 * Keeps the scheduler core's node table and pod accounting in step with the
 * informers, and remembers assumed pods (placed but not yet seen bound) so a
 * pod is counted on its node exactly once.
 */
import { bytes, isPodTerminal, milliCpu, namespacedName, podRequests, type Node, type Pod } from '@skiff/api';
import type { NodeResources, PodRequests, SchedulerCore } from './core/contract.js';

/** A node's schedulable resources from its status (allocatable, else capacity). */
export function nodeResources(node: Node): NodeResources {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    name: node.metadata?.name ?? '',
    allocatableMilliCpu: alloc['cpu'] === undefined ? 0 : milliCpu(alloc['cpu']),
    allocatableMemoryBytes: alloc['memory'] === undefined ? 0 : bytes(alloc['memory']),
    allocatablePods: alloc['pods'] === undefined ? 0 : Number(alloc['pods']),
    unschedulable: node.spec?.unschedulable === true,
  };
}

/** True when a pod holds resources on its node (bound and not finished). */
export function occupiesNode(pod: Pod): boolean {
  return pod.spec?.nodeName !== undefined && pod.spec.nodeName !== '' && !isPodTerminal(pod);
}

export class ClusterState {
  /** Pod key → where and how much it is counted. */
  private readonly accounted = new Map<string, { node: string; requests: PodRequests; assumed: boolean }>();

  constructor(readonly core: SchedulerCore) {}

  upsertNode(node: Node): void {
    this.core.upsertNode(nodeResources(node));
  }

  removeNode(node: Node): void {
    this.core.removeNode(node.metadata?.name ?? '');
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
      return;
    }
    if (held !== undefined) this.forget(key);
    const requests = podRequests(pod);
    this.core.addPod(node, requests);
    this.accounted.set(key, { node, requests, assumed: false });
  }

  /** The pod is gone: release what it held. */
  deletePod(pod: Pod): void {
    this.forget(namespacedName(pod));
  }

  /** Counts a pod on a node before the bind is confirmed. */
  assume(key: string, node: string, requests: PodRequests): void {
    this.forget(key);
    this.core.addPod(node, requests);
    this.accounted.set(key, { node, requests, assumed: true });
  }

  /** Undoes assume() after a failed bind (no-op once the informer confirmed it). */
  forgetAssumed(key: string): void {
    if (this.accounted.get(key)?.assumed === true) this.forget(key);
  }

  private forget(key: string): void {
    const held = this.accounted.get(key);
    if (held === undefined) return;
    this.core.removePod(held.node, held.requests);
    this.accounted.delete(key);
  }
}
