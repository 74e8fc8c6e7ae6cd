/**
 * The nominated pods (kube-scheduler's `nominator`): pods that preempted others and wait for
 * their victims to go, each with the node it was nominated for (`status.nominatedNodeName`).
 * While they wait, Filter counts them on that node for every pod of lower or equal priority,
 * so the room the victims leave is not taken by someone else.
 *
 * The scheduler nominates in memory as soon as it preempts (before the API write lands) and
 * forgets a nomination when the pod is bound, deleted, or its preemption found no node.
 */
import type { Pod } from '@skiff/api';
import type { PodUsage } from './node-info.js';

/** One nominated pod and what it will hold on its node. */
export interface NominatedPod {
  /** `namespace/name`. */
  readonly key: string;
  readonly pod: Pod;
  readonly priority: number;
  readonly node: string;
  readonly usage: PodUsage;
}

/** A pod's priority (`spec.priority`, 0 when unset, as upstream's `corev1helpers.PodPriority`). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

const NONE: readonly NominatedPod[] = Object.freeze([]);

export class Nominator {
  private readonly byKey = new Map<string, NominatedPod>();
  private readonly byNode = new Map<string, Map<string, NominatedPod>>();

  /** How many pods are nominated. */
  get size(): number {
    return this.byKey.size;
  }

  /** Records (or moves) a nomination. */
  nominate(key: string, pod: Pod, node: string, usage: PodUsage): void {
    this.forget(key);
    const entry: NominatedPod = { key, pod, priority: podPriority(pod), node, usage };
    this.byKey.set(key, entry);
    let onNode = this.byNode.get(node);
    if (onNode === undefined) {
      onNode = new Map();
      this.byNode.set(node, onNode);
    }
    onNode.set(key, entry);
  }

  /** Forgets a pod's nomination (no-op when it has none). */
  forget(key: string): void {
    const entry = this.byKey.get(key);
    if (entry === undefined) return;
    this.byKey.delete(key);
    const onNode = this.byNode.get(entry.node);
    onNode?.delete(key);
    if (onNode?.size === 0) this.byNode.delete(entry.node);
  }

  /** The node a pod is nominated for, if any. */
  nodeOf(key: string): string | undefined {
    return this.byKey.get(key)?.node;
  }

  /** The pods nominated for a node. */
  onNode(node: string): Iterable<NominatedPod> {
    return this.byNode.get(node)?.values() ?? NONE;
  }

  /**
   * The pods nominated for `node` that Filter counts there for a pod of `priority`: those of
   * equal or higher priority, other than the pod itself (`key`).
   */
  blocking(node: string, priority: number, key: string): NominatedPod[] {
    const onNode = this.byNode.get(node);
    if (onNode === undefined) return [];
    const out: NominatedPod[] = [];
    for (const entry of onNode.values()) if (entry.key !== key && entry.priority >= priority) out.push(entry);
    return out;
  }

  /** True when some pod other than `key` is nominated with a priority of at least `priority`. */
  anyBlocking(priority: number, key: string): boolean {
    for (const entry of this.byKey.values()) if (entry.key !== key && entry.priority >= priority) return true;
    return false;
  }
}
