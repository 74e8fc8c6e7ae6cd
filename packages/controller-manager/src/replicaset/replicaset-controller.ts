/**
 * The ReplicaSet controller (upstream's pkg/controller/replicaset): keeps
 * spec.replicas active pods for every ReplicaSet.
 *
 * Contract:
 * - It controls pods through a controller owner reference (controller: true,
 *   blockOwnerDeletion: true, the ReplicaSet's uid); it adopts orphans its
 *   selector matches and releases pods it controls that no longer match.
 * - Pods that finished or carry a deletionTimestamp do not count.
 * - Expectations: after asking for N creations or for deleting given pods it
 *   does not create or delete for that ReplicaSet again until its informer has
 *   shown all of them (or 5 minutes passed), so informer lag never makes it
 *   over- or under-shoot.
 * - It writes status through the status subresource when it changes, and
 *   re-syncs when a ready pod is due to become available (minReadySeconds).
 * - Handlers only queue keys (`namespace/name`); workers sync one key at a time.
 */
import type { Registry } from 'prom-client';
import { PODS, REPLICASETS, namespacedName, structuredSelectorMatches, type Pod, type ReplicaSet } from '@skiff/api';
import { EventRecorder, type ApiClient, type Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { claimObjects, recheckOwner } from '../shared/claim.js';
import { asError } from '../shared/errors.js';
import { ControllerExpectations, DEFAULT_EXPECTATIONS_TIMEOUT_MS } from '../shared/expectations.js';
import { controllerRefOf, resolveControllerRef, type OwnerReference } from '../shared/owner-references.js';
import { availableAt, isPodActive, isPodReady, podKey } from '../shared/pods.js';
import { inSyncSpan } from '../shared/tracing.js';
import { runWorkers } from '../shared/workers.js';
import { InstrumentedQueue } from '../shared/workqueue.js';
import { manageReplicas } from './manage-replicas.js';
import { calculateReplicaSetStatus, updateReplicaSetStatus } from './status.js';

export interface ReplicaSetControllerOptions {
  client: ApiClient;
  pods: Informer<Pod>;
  replicaSets: Informer<ReplicaSet>;
  logger: Logger;
  /** Where the `workqueue_*` metrics (name="replicaset") go. */
  metrics?: Registry;
  /** Records SuccessfulCreate/SuccessfulDelete/FailedCreate events on ReplicaSets (default: one for `replicaset-controller`; null: none). */
  events?: EventRecorder | null;
  /** Concurrent syncs of different ReplicaSets (default 5, as upstream's --concurrent-replicaset-syncs). */
  workers?: number;
  /** Most pods created or deleted per sync (default 500, as upstream). */
  burstReplicas?: number;
  expectationsTimeoutMs?: number;
}

function selectorEmpty(rs: ReplicaSet): boolean {
  const s = rs.spec?.selector;
  return Object.keys(s?.matchLabels ?? {}).length === 0 && (s?.matchExpressions ?? []).length === 0;
}

export class ReplicaSetController {
  /** Pending creations and deletions per ReplicaSet key (exposed for tests and debugging). */
  readonly expectations: ControllerExpectations;
  private readonly queue: InstrumentedQueue;
  private readonly events: EventRecorder | undefined;
  private worker: Promise<void> | undefined;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: ReplicaSetControllerOptions) {
    this.expectations = new ControllerExpectations(options.expectationsTimeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS);
    this.queue = new InstrumentedQueue({ name: 'replicaset', metrics: options.metrics, baseDelayMs: 5, maxDelayMs: 60_000 });
    this.events =
      options.events === null ? undefined : (options.events ?? new EventRecorder(options.client, 'replicaset-controller', options.logger));
    options.replicaSets.addHandlers({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        this.expectations.delete(namespacedName(rs));
        this.enqueue(rs);
      },
    });
    options.pods.addHandlers({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (pod) => this.deletePod(pod),
    });
  }

  /** Starts the workers; they begin once the pod and ReplicaSet informers have synced. */
  start(): void {
    this.worker = runWorkers({
      queue: this.queue,
      synced: Promise.all([this.options.pods.synced, this.options.replicaSets.synced]),
      stopped: this.stopped,
      workers: this.options.workers ?? 5,
      logger: this.options.logger,
      sync: (key) => this.sync(key),
      // Handlers added after an informer started missed its initial adds.
      onSynced: () => this.options.replicaSets.list().forEach((rs) => this.enqueue(rs)),
    });
  }

  /** Stops taking keys and waits for the syncs in progress. */
  async stop(): Promise<void> {
    this.resolveStopped();
    this.queue.shutDown();
    await this.worker;
  }

  private enqueue(rs: ReplicaSet): void {
    this.queue.add(namespacedName(rs));
  }

  /** The ReplicaSet a controller reference points at, if it is in the cache with that uid. */
  private resolve(namespace: string, ref: OwnerReference | undefined): ReplicaSet | undefined {
    return resolveControllerRef(this.options.replicaSets, 'ReplicaSet', namespace, ref);
  }

  /** ReplicaSets whose selector matches an orphan pod. */
  private replicaSetsMatching(pod: Pod): ReplicaSet[] {
    const ns = pod.metadata?.namespace;
    return this.options.replicaSets
      .list()
      .filter(
        (rs) => rs.metadata?.namespace === ns && !selectorEmpty(rs) && structuredSelectorMatches(rs.spec?.selector, pod.metadata?.labels),
      );
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // A pod created already terminating (after a restart of ours): it counts as deleted.
      this.deletePod(pod);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref !== undefined) {
      const rs = this.resolve(pod.metadata?.namespace ?? '', ref);
      if (rs === undefined) return;
      this.expectations.creationObserved(namespacedName(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Graceful deletion started: replace it now rather than when the kubelet is done.
      this.deletePod(pod);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const ref = controllerRefOf(pod);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(ref) !== JSON.stringify(oldRef);
    if (refChanged && oldRef !== undefined) {
      const previous = this.resolve(old.metadata?.namespace ?? '', oldRef);
      if (previous !== undefined) this.enqueue(previous);
    }
    if (ref !== undefined) {
      const rs = this.resolve(pod.metadata?.namespace ?? '', ref);
      if (rs !== undefined) this.enqueue(rs);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolve(pod.metadata?.namespace ?? '', controllerRefOf(pod));
    if (rs === undefined) return;
    this.expectations.deletionObserved(namespacedName(rs), podKey(pod));
    this.enqueue(rs);
  }

  /** Active pods controlled by any ReplicaSet that has the same controller as rs (rs's own when it has none). */
  private relatedPods(rs: ReplicaSet, own: readonly Pod[]): Pod[] {
    const owner = controllerRefOf(rs);
    if (owner === undefined) return [...own];
    const ns = rs.metadata?.namespace;
    const siblings = new Set(
      this.options.replicaSets
        .list()
        .filter((r) => r.metadata?.namespace === ns && controllerRefOf(r)?.uid === owner.uid)
        .map((r) => r.metadata?.uid),
    );
    return this.options.pods.list().filter((p) => p.metadata?.namespace === ns && isPodActive(p) && siblings.has(controllerRefOf(p)?.uid));
  }

  /** One pass over the ReplicaSet with this key, in a `sync ReplicaSet` span joined to its trace. */
  async sync(key: string): Promise<void> {
    const rs = this.options.replicaSets.get(key);
    if (rs === undefined) {
      this.expectations.delete(key);
      return;
    }
    await inSyncSpan('ReplicaSet', rs, () => this.syncReplicaSet(key, rs));
  }

  private async syncReplicaSet(key: string, rs: ReplicaSet): Promise<void> {
    const { client, logger } = this.options;
    if (selectorEmpty(rs)) {
      logger.warn({ replicaset: key }, 'ReplicaSet has an empty selector; skipping');
      return;
    }
    // Read before listing pods: an observation that lands meanwhile is then in the list.
    const needsSync = this.expectations.satisfied(key);
    const ns = rs.metadata?.namespace ?? '';
    const candidates = this.options.pods.list().filter((p) => p.metadata?.namespace === ns && isPodActive(p));
    const pods = await claimObjects(
      {
        client,
        desc: PODS,
        owner: rs,
        ownerApiVersion: 'apps/v1',
        ownerKind: 'ReplicaSet',
        selector: rs.spec?.selector,
        canAdopt: recheckOwner(client, REPLICASETS, rs),
      },
      candidates,
    );
    let manageError: Error | undefined;
    if (needsSync && rs.metadata?.deletionTimestamp === undefined) {
      try {
        await manageReplicas(
          {
            client,
            expectations: this.expectations,
            events: this.events,
            logger,
            burstReplicas: this.options.burstReplicas ?? 500,
          },
          key,
          rs,
          pods,
          this.relatedPods(rs, pods),
        );
      } catch (err) {
        manageError = asError(err);
      }
    }
    const now = Date.now();
    await updateReplicaSetStatus(client, rs, calculateReplicaSetStatus(rs, pods, manageError, now));
    if (manageError !== undefined) throw manageError;
    // Look again when the next ready pod becomes available.
    const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
    const due = pods
      .filter(isPodReady)
      .map((p) => availableAt(p, minReadySeconds, now))
      .filter((t): t is number => t !== undefined);
    if (due.length > 0) this.queue.addAfter(key, Math.max(0, Math.min(...due) - now));
  }
}
