/**
 * The Deployment controller (upstream's pkg/controller/deployment): rolls a
 * Deployment's pod template out through ReplicaSets it controls.
 *
 * Contract:
 * - It claims ReplicaSets through controller owner references (adopting
 *   orphans its selector matches, releasing ones that stopped matching).
 * - The new ReplicaSet, `<deployment>-<pod-template-hash>`, runs the current
 *   template; the others are old. Revisions increase with each rollout, and a
 *   rollback to an earlier template reuses its ReplicaSet with a new revision.
 * - RollingUpdate keeps at most replicas + maxSurge pods and at least
 *   replicas - maxUnavailable available ones; Recreate removes every old pod
 *   before starting new ones. A paused Deployment is only scaled.
 * - Status (replicas, updated, ready, available, unavailable,
 *   observedGeneration, Available and Progressing conditions) is written
 *   through the status subresource, which `kubectl rollout status` follows.
 * - Old ReplicaSets with no replicas beyond revisionHistoryLimit are deleted.
 * - Handlers only queue keys (`namespace/name`); workers sync one key at a time.
 */
import type { Registry } from 'prom-client';
import {
  DEPLOYMENTS,
  REPLICASETS,
  namespacedName,
  structuredSelectorMatches,
  type Deployment,
  type Pod,
  type ReplicaSet,
} from '@skiff/api';
import { EventRecorder, type ApiClient, type Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { claimObjects, recheckOwner } from '../shared/claim.js';
import { controllerRefOf, resolveControllerRef, type OwnerReference } from '../shared/owner-references.js';
import { inSyncSpan } from '../shared/tracing.js';
import { runWorkers } from '../shared/workers.js';
import { InstrumentedQueue } from '../shared/workqueue.js';
import { Rollout, type SyncContext } from './context.js';
import { getAllReplicaSetsAndSyncRevision } from './new-replicaset.js';
import { checkPausedConditions } from './progress.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { isScalingEvent, syncScaling, syncStatusOnly } from './scaling.js';

export interface DeploymentControllerOptions {
  client: ApiClient;
  deployments: Informer<Deployment>;
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  logger: Logger;
  /** Where the `workqueue_*` metrics (name="deployment") go. */
  metrics?: Registry;
  /** Records ScalingReplicaSet events on Deployments (default: one for `deployment-controller`; null: none). */
  events?: EventRecorder | null;
  /** Concurrent syncs of different Deployments (default 5, as upstream's --concurrent-deployment-syncs). */
  workers?: number;
}

function selectorEmpty(d: Deployment): boolean {
  const s = d.spec?.selector;
  return Object.keys(s?.matchLabels ?? {}).length === 0 && (s?.matchExpressions ?? []).length === 0;
}

export class DeploymentController {
  private readonly queue: InstrumentedQueue;
  private readonly events: EventRecorder | undefined;
  private readonly ctx: SyncContext;
  private worker: Promise<void> | undefined;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DeploymentControllerOptions) {
    this.queue = new InstrumentedQueue({ name: 'deployment', metrics: options.metrics, baseDelayMs: 5, maxDelayMs: 60_000 });
    this.events =
      options.events === null ? undefined : (options.events ?? new EventRecorder(options.client, 'deployment-controller', options.logger));
    this.ctx = {
      client: options.client,
      events: this.events,
      logger: options.logger,
      now: () => Date.now(),
      enqueueAfter: (d, ms) => this.queue.addAfter(namespacedName(d), ms),
      enqueueRateLimited: (d) => this.queue.addRateLimited(namespacedName(d)),
      podsIn: (ns) => options.pods.list().filter((p) => p.metadata?.namespace === ns),
    };
    options.deployments.addHandlers({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, d) => this.enqueue(d),
      onDelete: (d) => this.enqueue(d),
    });
    options.replicaSets.addHandlers({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, rs) => this.updateReplicaSet(old, rs),
      onDelete: (rs) => this.deleteReplicaSet(rs),
    });
    options.pods.addHandlers({ onDelete: (pod) => this.deletePod(pod) });
  }

  /** Starts the workers; they begin once the Deployment, ReplicaSet and pod informers have synced. */
  start(): void {
    const { deployments, replicaSets, pods } = this.options;
    this.worker = runWorkers({
      queue: this.queue,
      synced: Promise.all([deployments.synced, replicaSets.synced, pods.synced]),
      stopped: this.stopped,
      workers: this.options.workers ?? 5,
      logger: this.options.logger,
      sync: (key) => this.sync(key),
      onSynced: () => deployments.list().forEach((d) => this.enqueue(d)),
    });
  }

  /** Stops taking keys and waits for the syncs in progress. */
  async stop(): Promise<void> {
    this.resolveStopped();
    this.queue.shutDown();
    await this.worker;
  }

  private enqueue(d: Deployment): void {
    this.queue.add(namespacedName(d));
  }

  private resolve(namespace: string, ref: OwnerReference | undefined): Deployment | undefined {
    return resolveControllerRef(this.options.deployments, 'Deployment', namespace, ref);
  }

  private deploymentsMatching(rs: ReplicaSet): Deployment[] {
    const ns = rs.metadata?.namespace;
    return this.options.deployments
      .list()
      .filter((d) => d.metadata?.namespace === ns && !selectorEmpty(d) && structuredSelectorMatches(d.spec?.selector, rs.metadata?.labels));
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp !== undefined) {
      this.deleteReplicaSet(rs);
      return;
    }
    const ref = controllerRefOf(rs);
    if (ref !== undefined) {
      const d = this.resolve(rs.metadata?.namespace ?? '', ref);
      if (d !== undefined) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, rs: ReplicaSet): void {
    if (old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const ref = controllerRefOf(rs);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(ref) !== JSON.stringify(oldRef);
    if (refChanged && oldRef !== undefined) {
      const previous = this.resolve(old.metadata?.namespace ?? '', oldRef);
      if (previous !== undefined) this.enqueue(previous);
    }
    if (ref !== undefined) {
      const d = this.resolve(rs.metadata?.namespace ?? '', ref);
      if (d !== undefined) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    const d = this.resolve(rs.metadata?.namespace ?? '', controllerRefOf(rs));
    if (d !== undefined) this.enqueue(d);
  }

  /** A Recreate rollout waits for the old pods to be gone. */
  private deletePod(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.options.replicaSets.get(`${ns}/${ref.name}`);
    if (rs === undefined || rs.metadata?.uid !== ref.uid) return;
    const d = this.resolve(ns, controllerRefOf(rs));
    if (d !== undefined && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  /** One pass over the Deployment with this key, in a `sync Deployment` span joined to its trace. */
  async sync(key: string): Promise<void> {
    const cached = this.options.deployments.get(key);
    if (cached === undefined) return;
    await inSyncSpan('Deployment', cached, () => this.syncDeployment(cached));
  }

  private async syncDeployment(cached: Deployment): Promise<void> {
    const r = new Rollout(this.ctx, structuredClone(cached));
    if (selectorEmpty(r.d)) {
      r.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((r.d.status?.observedGeneration ?? 0) < (r.d.metadata?.generation ?? 0)) {
        await r.writeStatus({ ...r.d.status, observedGeneration: r.d.metadata?.generation ?? 0 });
      }
      return;
    }
    const sets = await this.claimReplicaSets(r.d);
    if (r.d.metadata?.deletionTimestamp !== undefined) {
      await syncStatusOnly(r, sets);
      return;
    }
    await checkPausedConditions(r);
    if (r.d.spec?.paused === true) {
      await syncScaling(r, sets);
      return;
    }
    const found = await getAllReplicaSetsAndSyncRevision(r, sets, false);
    const current = found.newRS === undefined ? found.oldRSs : [...found.oldRSs, found.newRS];
    if (isScalingEvent(r, found)) {
      await syncScaling(r, current);
      return;
    }
    if (r.d.spec?.strategy?.type === 'Recreate') await rolloutRecreate(r, current);
    else await rolloutRolling(r, current);
  }

  /** The ReplicaSets the Deployment controls, after adopting and releasing. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const ns = d.metadata?.namespace;
    const candidates = this.options.replicaSets.list().filter((rs) => rs.metadata?.namespace === ns);
    return claimObjects(
      {
        client: this.options.client,
        desc: REPLICASETS,
        owner: d,
        ownerApiVersion: 'apps/v1',
        ownerKind: 'Deployment',
        selector: d.spec?.selector,
        canAdopt: recheckOwner(this.options.client, DEPLOYMENTS, d),
      },
      candidates,
    );
  }
}
