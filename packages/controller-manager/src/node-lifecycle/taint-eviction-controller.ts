/**
 * Taint-based eviction (upstream's tainteviction controller, the former
 * NoExecuteTaintManager): pods bound to a node with NoExecute taints are
 * deleted when eviction-time.ts says, with a `TaintManagerEviction` event
 * ("Marking for deletion Pod <ns>/<name>"); a pending eviction is cancelled
 * ("Cancelling deletion of Pod …") when the taint goes or the pod comes to
 * tolerate it. Pods already being deleted or finished are left alone.
 *
 * Pods are indexed by node, so a taint change looks only at that node's pods,
 * and a pod event on an untainted node costs one map lookup. Deletes carry the
 * pod's uid; a failed delete is retried up to 5 times, a second apart.
 */
import { ApiError, PODS, isPodTerminal, namespacedName, type Node, type Pod } from '@skiff/api';
import type { ApiClient, EventRecorder, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import type { Taint } from '../shared/taints.js';
import { evictionTime } from './eviction-time.js';

export interface TaintEvictionOptions {
  client: ApiClient;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  logger: Logger;
  events: EventRecorder | undefined;
}

const DELETE_ATTEMPTS = 5;
const RETRY_MS = 1000;

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** The pod with its kind, so events name it whatever the cache dropped. */
function asPod(pod: Pod): Pod {
  return { ...pod, apiVersion: 'v1', kind: 'Pod' };
}

export class TaintEvictionController {
  /** Pod keys by node name. */
  private readonly podsByNode = new Map<string, Set<string>>();
  /** Scheduled evictions by pod key. */
  private readonly scheduled = new Map<string, { atMs: number; timer: NodeJS.Timeout }>();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly options: TaintEvictionOptions) {
    options.pods.addHandlers({
      onAdd: (pod) => this.podChanged(undefined, pod),
      onUpdate: (old, pod) => this.podChanged(old, pod),
      onDelete: (pod) => this.podGone(pod),
    });
    options.nodes.addHandlers({
      onAdd: (node) => this.nodeChanged(undefined, node),
      onUpdate: (old, node) => this.nodeChanged(old, node),
    });
  }

  /** Starts acting (after the informers synced): every tainted node's pods are checked once. */
  async start(): Promise<void> {
    await Promise.all([this.options.pods.synced, this.options.nodes.synced]);
    this.running = true;
    for (const node of this.options.nodes.list()) this.checkNode(node);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const { timer } of this.scheduled.values()) clearTimeout(timer);
    this.scheduled.clear();
    await Promise.all([...this.inFlight]);
  }

  /** Evictions scheduled (pod key → when, ms), for tests and debugging. */
  pending(): Map<string, number> {
    return new Map([...this.scheduled].map(([k, v]) => [k, v.atMs]));
  }

  private podChanged(old: Pod | undefined, pod: Pod): void {
    const key = namespacedName(pod);
    const oldNode = old?.spec?.nodeName ?? '';
    const node = pod.spec?.nodeName ?? '';
    if (oldNode !== node && oldNode !== '') this.podsByNode.get(oldNode)?.delete(key);
    if (node === '') return;
    let set = this.podsByNode.get(node);
    if (set === undefined) this.podsByNode.set(node, (set = new Set()));
    set.add(key);
    if (this.running && (this.scheduled.has(key) || noExecuteTaints(this.options.nodes.get(node)).length > 0)) this.checkPod(pod);
  }

  private podGone(pod: Pod): void {
    const key = namespacedName(pod);
    this.podsByNode.get(pod.spec?.nodeName ?? '')?.delete(key);
    this.cancel(key, undefined);
  }

  private nodeChanged(old: Node | undefined, node: Node): void {
    if (!this.running) return;
    if (old !== undefined && JSON.stringify(noExecuteTaints(old)) === JSON.stringify(noExecuteTaints(node))) return;
    this.checkNode(node);
  }

  private checkNode(node: Node): void {
    for (const key of this.podsByNode.get(node.metadata?.name ?? '') ?? []) {
      const pod = this.options.pods.get(key);
      if (pod !== undefined) this.checkPod(pod);
    }
  }

  private checkPod(pod: Pod): void {
    const key = namespacedName(pod);
    if (pod.metadata?.deletionTimestamp !== undefined || isPodTerminal(pod)) {
      this.cancel(key, undefined);
      return;
    }
    const when = evictionTime(pod, noExecuteTaints(this.options.nodes.get(pod.spec?.nodeName ?? '')), Date.now());
    if (when.kind === 'never') {
      this.cancel(key, pod);
      return;
    }
    const atMs = when.kind === 'now' ? Date.now() : when.atMs;
    const existing = this.scheduled.get(key);
    if (existing?.atMs === atMs) return;
    if (existing !== undefined) clearTimeout(existing.timer);
    const timer = setTimeout(() => this.fire(key, 1), Math.max(0, atMs - Date.now()));
    timer.unref();
    this.scheduled.set(key, { atMs, timer });
  }

  /** Drops a scheduled eviction; with the pod, records that it was cancelled. */
  private cancel(key: string, pod: Pod | undefined): void {
    const existing = this.scheduled.get(key);
    if (existing === undefined) return;
    clearTimeout(existing.timer);
    this.scheduled.delete(key);
    if (pod !== undefined) this.options.events?.record(asPod(pod), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  private fire(key: string, attempt: number): void {
    this.scheduled.delete(key);
    if (!this.running) return;
    const pod = this.options.pods.get(key);
    if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined) return;
    // Re-check against the cache now: the taint may be gone or the pod changed since the timer was set.
    const when = evictionTime(pod, noExecuteTaints(this.options.nodes.get(pod.spec?.nodeName ?? '')), Date.now());
    if (when.kind === 'never') return;
    if (when.kind === 'at' && when.atMs > Date.now()) {
      this.checkPod(pod);
      return;
    }
    const work = this.evict(pod, attempt).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async evict(pod: Pod, attempt: number): Promise<void> {
    const key = namespacedName(pod);
    const { client, logger, events } = this.options;
    try {
      events?.record(asPod(pod), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      await client.delete(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { uid: pod.metadata?.uid ?? '' });
      logger.info({ pod: key, node: pod.spec?.nodeName }, 'evicted pod from a NoExecute-tainted node');
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      logger.warn({ err, pod: key, attempt }, 'taint eviction failed');
      if (attempt >= DELETE_ATTEMPTS || !this.running) return;
      const timer = setTimeout(() => this.fire(key, attempt + 1), RETRY_MS);
      timer.unref();
      this.scheduled.set(key, { atMs: Date.now() + RETRY_MS, timer });
    }
  }
}
