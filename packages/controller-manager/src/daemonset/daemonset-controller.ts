/**
 * The DaemonSet controller (upstream's pkg/controller/daemon): one pod of each
 * DaemonSet on every eligible node.
 *
 * Contract:
 * - Eligibility: the template's nodeSelector and required node affinity, and
 *   the node's NoSchedule/NoExecute taints against the template's tolerations
 *   plus the daemon tolerations (see daemon-pod.ts).
 * - Pods are created bound (`spec.nodeName`) with the controller reference,
 *   the `controller-revision-hash` and `pod-template-generation` labels and
 *   the node-name affinity term; orphans the selector matches are adopted.
 * - Expectations: after asking for creations and deletions it does not act on
 *   that DaemonSet again until its informer has shown every one (or 5
 *   minutes passed), so informer lag never makes it create twice.
 * - RollingUpdate (maxUnavailable, maxSurge 0) and OnDelete as plan.ts says;
 *   status as status.ts says, written when it changes.
 * - Handlers only queue keys (`namespace/name`); node changes that can change
 *   eligibility (labels, taints, unschedulable) queue every DaemonSet.
 */
import type { Registry } from 'prom-client';
import { DAEMONSETS, PODS, namespacedName, structuredSelectorMatches, type DaemonSet, type Node, type Pod } from '@skiff/api';
import { EventRecorder, type ApiClient, type Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { claimObjects, recheckOwner } from '../shared/claim.js';
import { asError } from '../shared/errors.js';
import { ControllerExpectations, DEFAULT_EXPECTATIONS_TIMEOUT_MS } from '../shared/expectations.js';
import { controllerRefOf, resolveControllerRef } from '../shared/owner-references.js';
import { podKey } from '../shared/pods.js';
import { inSyncSpan } from '../shared/tracing.js';
import { runWorkers } from '../shared/workers.js';
import { InstrumentedQueue } from '../shared/workqueue.js';
import { planDaemonSet } from './plan.js';
import { currentTemplateHash } from './revision.js';
import { calculateDaemonSetStatus, updateDaemonSetStatus } from './status.js';
import { syncNodes } from './sync-nodes.js';

export interface DaemonSetControllerOptions {
  client: ApiClient;
  daemonSets: Informer<DaemonSet>;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  logger: Logger;
  /** Where the `workqueue_*` metrics (name="daemonset") go. */
  metrics?: Registry;
  /** SuccessfulCreate/SuccessfulDelete/FailedCreate events (default: one for `daemonset-controller`; null: none). */
  events?: EventRecorder | null;
  /** Concurrent syncs of different DaemonSets (default 2, as upstream's --concurrent-daemonset-syncs). */
  workers?: number;
  /** Most pods created or deleted per sync (default 250, as upstream's BurstReplicas). */
  burstReplicas?: number;
  expectationsTimeoutMs?: number;
}

function selectorEmpty(ds: DaemonSet): boolean {
  const s = ds.spec?.selector;
  return Object.keys(s?.matchLabels ?? {}).length === 0 && (s?.matchExpressions ?? []).length === 0;
}

/** What of a node decides whether daemons run there. */
function eligibilityView(node: Node): string {
  return JSON.stringify([node.metadata?.labels ?? {}, node.spec?.taints ?? [], node.spec?.unschedulable ?? false]);
}

export class DaemonSetController {
  /** Pending creations and deletions per DaemonSet key (exposed for tests and debugging). */
  readonly expectations: ControllerExpectations;
  private readonly queue: InstrumentedQueue;
  private readonly events: EventRecorder | undefined;
  private worker: Promise<void> | undefined;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DaemonSetControllerOptions) {
    this.expectations = new ControllerExpectations(options.expectationsTimeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS);
    this.queue = new InstrumentedQueue({ name: 'daemonset', metrics: options.metrics });
    this.events =
      options.events === null ? undefined : (options.events ?? new EventRecorder(options.client, 'daemonset-controller', options.logger));
    options.daemonSets.addHandlers({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_old, ds) => this.enqueue(ds),
      onDelete: (ds) => {
        this.expectations.delete(namespacedName(ds));
        this.enqueue(ds);
      },
    });
    options.pods.addHandlers({
      onAdd: (pod) => (pod.metadata?.deletionTimestamp !== undefined ? this.deletePod(pod) : this.addPod(pod)),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (pod) => this.deletePod(pod),
    });
    options.nodes.addHandlers({
      onAdd: () => this.enqueueAll(),
      onUpdate: (old, node) => {
        if (eligibilityView(old) !== eligibilityView(node)) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
  }

  /** Starts the workers; they begin once the DaemonSet, pod and node informers have synced. */
  start(): void {
    const { daemonSets, pods, nodes } = this.options;
    this.worker = runWorkers({
      queue: this.queue,
      synced: Promise.all([daemonSets.synced, pods.synced, nodes.synced]),
      stopped: this.stopped,
      workers: this.options.workers ?? 2,
      logger: this.options.logger,
      sync: (key) => this.sync(key),
      onSynced: () => this.enqueueAll(),
    });
  }

  /** Stops taking keys and waits for the syncs in progress. */
  async stop(): Promise<void> {
    this.resolveStopped();
    this.queue.shutDown();
    await this.worker;
  }

  private enqueue(ds: DaemonSet): void {
    this.queue.add(namespacedName(ds));
  }

  private enqueueAll(): void {
    for (const ds of this.options.daemonSets.list()) this.enqueue(ds);
  }

  private owner(pod: Pod): DaemonSet | undefined {
    return resolveControllerRef(this.options.daemonSets, 'DaemonSet', pod.metadata?.namespace ?? '', controllerRefOf(pod));
  }

  /** DaemonSets whose selector matches an orphan pod. */
  private matching(pod: Pod): DaemonSet[] {
    const ns = pod.metadata?.namespace;
    return this.options.daemonSets
      .list()
      .filter(
        (ds) => ds.metadata?.namespace === ns && !selectorEmpty(ds) && structuredSelectorMatches(ds.spec?.selector, pod.metadata?.labels),
      );
  }

  private addPod(pod: Pod): void {
    if (controllerRefOf(pod) === undefined) {
      this.matching(pod).forEach((ds) => this.enqueue(ds));
      return;
    }
    const ds = this.owner(pod);
    if (ds === undefined) return;
    this.expectations.creationObserved(namespacedName(ds));
    this.enqueue(ds);
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      this.deletePod(pod);
      return;
    }
    const oldOwner = this.owner(old);
    const owner = this.owner(pod);
    if (oldOwner !== undefined && oldOwner !== owner) this.enqueue(oldOwner);
    if (owner !== undefined) this.enqueue(owner);
    else if (controllerRefOf(pod) === undefined) this.matching(pod).forEach((ds) => this.enqueue(ds));
  }

  private deletePod(pod: Pod): void {
    const ds = this.owner(pod);
    if (ds === undefined) return;
    this.expectations.deletionObserved(namespacedName(ds), podKey(pod));
    this.enqueue(ds);
  }

  /** One pass over the DaemonSet with this key, in a `sync DaemonSet` span joined to its trace. */
  async sync(key: string): Promise<void> {
    const ds = this.options.daemonSets.get(key);
    if (ds === undefined) {
      this.expectations.delete(key);
      return;
    }
    await inSyncSpan('DaemonSet', ds, () => this.syncDaemonSet(key, ds));
  }

  private async syncDaemonSet(key: string, ds: DaemonSet): Promise<void> {
    const { client, logger } = this.options;
    if (selectorEmpty(ds)) {
      logger.warn({ daemonset: key }, 'DaemonSet has an empty selector; skipping');
      return;
    }
    // Read before listing pods: an observation that lands meanwhile is then in the list.
    const satisfied = this.expectations.satisfied(key);
    const ns = ds.metadata?.namespace ?? '';
    const candidates = this.options.pods.list().filter((p) => p.metadata?.namespace === ns);
    const pods = await claimObjects(
      {
        client,
        desc: PODS,
        owner: ds,
        ownerApiVersion: 'apps/v1',
        ownerKind: 'DaemonSet',
        selector: ds.spec?.selector,
        canAdopt: recheckOwner(client, DAEMONSETS, ds),
      },
      candidates,
    );
    const nodes = this.options.nodes.list();
    const hash = currentTemplateHash(ds);
    const now = Date.now();
    const { status, nextAvailableAt } = calculateDaemonSetStatus(ds, nodes, pods, hash, now);
    let syncError: Error | undefined;
    if (satisfied && ds.metadata?.deletionTimestamp === undefined) {
      const plan = planDaemonSet(ds, nodes, pods, hash, status.desiredNumberScheduled, now);
      try {
        await syncNodes(
          { client, expectations: this.expectations, events: this.events, logger, burstReplicas: this.options.burstReplicas ?? 250 },
          key,
          ds,
          plan,
          hash,
        );
      } catch (err) {
        syncError = asError(err);
      }
    }
    await updateDaemonSetStatus(client, ds, status);
    if (syncError !== undefined) throw syncError;
    if (nextAvailableAt !== undefined) this.queue.addAfter(key, Math.max(0, nextAvailableAt - now));
  }
}
