/**
 * The garbage collector (upstream's pkg/controller/garbagecollector): deletes
 * objects whose owners are gone and carries out the propagation policies the
 * apiserver records as finalizers.
 *
 * Contract:
 * - It follows every served resource that can carry owner references (all
 *   but events) through informers, reusing the ones the process already runs,
 *   and keeps an owner graph by uid. Handlers only update the graph and queue uids.
 * - Background: an object all of whose owners are verifiably gone (absent
 *   from the graph and a live GET says 404 or another uid) is deleted, with
 *   the uid and resourceVersion the graph holds as preconditions (a stale
 *   decision fails with 409 and is retried on the newer version); an object with one live
 *   owner stays, and loses its references to the gone ones.
 * - Foreground (`foregroundDeletion` finalizer on a deleting owner): every
 *   dependent is deleted (in the foreground itself when it has dependents);
 *   the finalizer is removed once no dependent with blockOwnerDeletion remains.
 * - Orphan (`orphan` finalizer): the owner's reference is removed from every
 *   dependent, then the finalizer.
 * - An owner a new reference names but the graph does not hold is "virtual":
 *   one queued check (a live GET, per namespace of its dependents) decides
 *   whether its dependents are garbage, however many there are.
 * - Two rate-limited queues, `garbage_collector_attempt_to_delete` and
 *   `garbage_collector_attempt_to_orphan` (upstream's names, with the
 *   `workqueue_*` metrics); workers start once every informer has listed.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import {
  ApiError,
  FOREGROUND_DELETION_FINALIZER,
  ORPHAN_FINALIZER,
  RESOURCES,
  type DeletionPropagation,
  type KubeObject,
  type ResourceDescriptor,
} from '@skiff/api';
import { Informer, type ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import type { OwnerReference } from '../shared/owner-references.js';
import { runWorkers } from '../shared/workers.js';
import { InstrumentedQueue } from '../shared/workqueue.js';
import { decide } from './decide.js';
import { blockingDependents, nodeOf, OwnerGraph, type GraphNode } from './owner-graph.js';
import { OwnerLookup } from './owner-lookup.js';

export interface GarbageCollectorOptions {
  client: ApiClient;
  nc: NatsConnection;
  logger: Logger;
  /** Where the `workqueue_*` metrics go. */
  metrics?: Registry;
  /** Informers the process already runs (started by their owner), reused instead of opening a second one. */
  shared?: ReadonlyArray<readonly [ResourceDescriptor, Informer<KubeObject>]>;
  /** The resources to follow (default: collectableResources()). */
  resources?: readonly ResourceDescriptor[];
  /** Concurrent attempts to delete (default 20, as upstream's --concurrent-gc-syncs). */
  workers?: number;
}

/** Every served resource whose objects the collector follows: all that can be listed, watched and deleted, but events (as upstream). */
export function collectableResources(): ResourceDescriptor[] {
  return RESOURCES.filter(
    (d) => ['list', 'watch', 'delete'].every((v) => d.verbs.includes(v)) && !(d.group === '' && d.resource === 'events'),
  );
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

/** Runs a write whose object may be gone meanwhile: a 404 means there is nothing left to do (undefined). */
async function unlessGone<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return undefined;
  }
}

/** Whether the graph's node is the owner ref names, as seen from a dependent in dependentNamespace. */
function canOwn(owner: GraphNode, ref: OwnerReference, dependentNamespace: string): boolean {
  return owner.name === ref.name && owner.desc.kind === ref.kind && (!owner.desc.namespaced || owner.namespace === dependentNamespace);
}

export class GarbageCollector {
  /** The ownership graph (exposed for tests and debugging). */
  readonly graph = new OwnerGraph();
  private readonly lookup: OwnerLookup;
  private readonly attemptToDelete: InstrumentedQueue;
  private readonly attemptToOrphan: InstrumentedQueue;
  private readonly informers: Array<{ desc: ResourceDescriptor; informer: Informer<KubeObject> }> = [];
  /** Owners referenced but not in the graph, queued for a check: uid → one reference naming it. */
  private readonly virtualOwners = new Map<string, OwnerReference>();
  /** The informers this collector opened (and so starts and stops). */
  private readonly own: Informer<KubeObject>[] = [];
  private workers: Promise<unknown> | undefined;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: GarbageCollectorOptions) {
    this.lookup = new OwnerLookup(this.graph, options.client);
    this.attemptToDelete = new InstrumentedQueue({ name: 'garbage_collector_attempt_to_delete', metrics: options.metrics });
    this.attemptToOrphan = new InstrumentedQueue({ name: 'garbage_collector_attempt_to_orphan', metrics: options.metrics });
    const shared = new Map(options.shared ?? []);
    for (const desc of options.resources ?? collectableResources()) {
      let informer = shared.get(desc);
      if (informer === undefined) {
        informer = new Informer<KubeObject>({ client: options.client, nc: options.nc, logger: options.logger, desc });
        this.own.push(informer);
      }
      informer.addHandlers({
        onAdd: (o) => this.observe(desc, o),
        onUpdate: (_old, o) => this.observe(desc, o),
        onDelete: (o) => this.forget(desc, o),
      });
      this.informers.push({ desc, informer });
    }
  }

  /** Starts the informers it opened; the workers begin once every informer (shared ones included) has listed. */
  async start(): Promise<void> {
    await Promise.all(this.own.map((i) => i.start()));
    const common = {
      synced: Promise.all(this.informers.map((i) => i.informer.synced)),
      stopped: this.stopped,
      logger: this.options.logger,
    };
    this.workers = Promise.all([
      runWorkers({
        ...common,
        queue: this.attemptToDelete,
        workers: this.options.workers ?? 20,
        sync: (uid) => this.attemptToDeleteItem(uid),
        // A shared informer started before this collector was built did not show it its initial adds.
        onSynced: () => this.informers.forEach(({ desc, informer }) => informer.list().forEach((o) => this.observe(desc, o))),
      }),
      runWorkers({ ...common, queue: this.attemptToOrphan, workers: 2, sync: (uid) => this.attemptToOrphanItem(uid) }),
    ]);
  }

  /** Stops taking work, waits for the attempts in progress, and stops the informers it opened. */
  async stop(): Promise<void> {
    this.resolveStopped();
    this.attemptToDelete.shutDown();
    this.attemptToOrphan.shutDown();
    await this.workers;
    await Promise.all(this.own.map((i) => i.stop()));
  }

  /** An object added or changed: update the graph and queue what the change may have unblocked. */
  private observe(desc: ResourceDescriptor, object: KubeObject): void {
    const node = nodeOf(desc, object);
    if (node === undefined) return;
    const { previous } = this.graph.upsert(node);
    this.virtualOwners.delete(node.uid);
    const before = new Set((previous?.ownerReferences ?? []).map((r) => r.uid));
    // A new reference to an owner the graph does not hold: the owner may be gone (or not listed yet).
    for (const ref of node.ownerReferences) {
      if (before.has(ref.uid)) continue;
      const held = this.graph.get(ref.uid);
      if (held === undefined) {
        this.virtualOwners.set(ref.uid, ref);
        this.attemptToDelete.add(ref.uid);
      } else if (!canOwn(held, ref, node.namespace)) {
        // That uid is another object than the reference names (another namespace, kind or name): check this dependent.
        this.attemptToDelete.add(node.uid);
      }
    }
    // A foreground-deleted owner stops waiting for a dependent whose blocking reference went away.
    for (const old of previous?.ownerReferences ?? []) {
      const now = node.ownerReferences.find((r) => r.uid === old.uid);
      if (old.blockOwnerDeletion === true && now?.blockOwnerDeletion !== true) this.queueIfDeletingDependents(old.uid);
    }
    if (node.deletingDependents) {
      if (previous?.deletingDependents !== true) for (const dep of this.graph.dependentsOf(node.uid)) this.attemptToDelete.add(dep.uid);
      this.attemptToDelete.add(node.uid);
    }
    if (node.orphaning) this.attemptToOrphan.add(node.uid);
  }

  /** An object gone: its dependents may now be garbage, and an owner may stop waiting for it. */
  private forget(desc: ResourceDescriptor, object: KubeObject): void {
    const uid = object.metadata?.uid;
    if (uid === undefined) return;
    const node = this.graph.remove(uid) ?? nodeOf(desc, object);
    for (const dep of this.graph.dependentsOf(uid)) this.attemptToDelete.add(dep.uid);
    for (const ref of node?.ownerReferences ?? []) this.queueIfDeletingDependents(ref.uid);
  }

  private queueIfDeletingDependents(uid: string): void {
    if (this.graph.get(uid)?.deletingDependents === true) this.attemptToDelete.add(uid);
  }

  /**
   * One attempt to collect the object with this uid, to finish its foreground
   * deletion, or (for a uid the graph does not hold) to check a virtual owner.
   * It acts on the version the graph holds: writes carry its uid and
   * resourceVersion, so a decision made on a stale version fails with 409 and
   * is retried (rate-limited) on the newer one.
   */
  async attemptToDeleteItem(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (node === undefined) {
      await this.processVirtualOwner(uid);
      return;
    }
    // Being deleted is a one-way trip: wait for the object to go (then its dependents are looked at).
    if (node.beingDeleted && !node.deletingDependents) return;
    if (node.deletingDependents) {
      await this.processDeletingDependents(node);
      return;
    }
    if (node.ownerReferences.length === 0) return;
    const owners = await Promise.all(
      node.ownerReferences.map(async (ref) => ({ ref, owner: await this.lookup.resolve(ref, node.namespace) })),
    );
    const dependents = this.graph.dependentsOf(uid);
    const decision = decide(owners, {
      finalizers: node.finalizers,
      hasDependents: dependents.length > 0,
      dependentDeletingDependents: dependents.some((d) => d.deletingDependents),
    });
    const log = { uid, resource: node.desc.resource, namespace: node.namespace, name: node.name };
    switch (decision.action) {
      case 'keep':
        this.options.logger.debug({ ...log, reason: decision.reason }, 'garbage collector keeps object');
        return;
      case 'removeReferences': {
        const gone = new Set(decision.uids);
        await this.writeOwnerReferences(node, (r) => (gone.has(r.uid) ? undefined : r));
        return;
      }
      case 'delete': {
        let target = node;
        if (decision.unblockUids.length > 0) {
          const unblock = new Set(decision.unblockUids);
          const updated = await this.writeOwnerReferences(node, (r) => (unblock.has(r.uid) ? { ...r, blockOwnerDeletion: false } : r));
          if (updated === undefined) return;
          target = { ...node, resourceVersion: updated };
        }
        this.options.logger.debug({ ...log, policy: decision.policy }, 'garbage collector deletes object');
        await this.deleteObject(target, decision.policy);
      }
    }
  }

  /** An owner deleted in the foreground: collect its dependents, and let it go once none blocks it. */
  private async processDeletingDependents(node: GraphNode): Promise<void> {
    const blocking = blockingDependents(this.graph, node);
    if (blocking.length > 0) {
      for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.add(dep.uid);
      return;
    }
    await this.removeFinalizer(node, FOREGROUND_DELETION_FINALIZER);
  }

  /**
   * An owner some object references but the graph does not hold: if a live
   * GET (in each namespace its dependents live in) says it is gone, its
   * dependents are queued; if it exists, its informer will add it.
   */
  private async processVirtualOwner(uid: string): Promise<void> {
    const ref = this.virtualOwners.get(uid);
    if (ref === undefined) return;
    const byNamespace = new Map<string, GraphNode[]>();
    for (const dep of this.graph.dependentsOf(uid)) byNamespace.set(dep.namespace, [...(byNamespace.get(dep.namespace) ?? []), dep]);
    for (const [namespace, dependents] of byNamespace) {
      const owner = await this.lookup.resolve(ref, namespace);
      if (owner.state === 'absent') for (const dep of dependents) this.attemptToDelete.add(dep.uid);
    }
    // Forgotten only once checked: a failed GET re-queues the uid and the check runs again.
    this.virtualOwners.delete(uid);
  }

  /** An owner deleted with the orphan policy: drop its reference from every dependent, then its finalizer. */
  async attemptToOrphanItem(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (node?.orphaning !== true) return;
    // As many writes in flight as attempt-to-delete workers.
    const dependents = this.graph.dependentsOf(uid);
    const batch = this.options.workers ?? 20;
    for (let i = 0; i < dependents.length; i += batch) {
      await Promise.all(
        dependents.slice(i, i + batch).map((dep) => this.writeOwnerReferences(dep, (r) => (r.uid === uid ? undefined : r))),
      );
    }
    await this.removeFinalizer(node, ORPHAN_FINALIZER);
  }

  /**
   * Rewrites the object's owner references (dropping those edit maps to
   * undefined), on the condition that it is still the version the graph holds.
   * Resolves with the new resourceVersion, or undefined when the object is gone.
   */
  private async writeOwnerReferences(
    node: GraphNode,
    edit: (ref: OwnerReference) => OwnerReference | undefined,
  ): Promise<string | undefined> {
    const refs = node.ownerReferences.map(edit).filter((r): r is OwnerReference => r !== undefined);
    const patch = { metadata: { ownerReferences: refs.length === 0 ? null : refs, uid: node.uid, resourceVersion: node.resourceVersion } };
    const updated = await unlessGone(this.options.client.patch(node.desc, node.namespace, node.name, patch, 'merge'));
    return updated?.metadata?.resourceVersion;
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const rest = node.finalizers.filter((f) => f !== finalizer);
    const patch = { metadata: { finalizers: rest.length === 0 ? null : rest, uid: node.uid, resourceVersion: node.resourceVersion } };
    await unlessGone(this.options.client.patch(node.desc, node.namespace, node.name, patch, 'merge'));
  }

  private async deleteObject(node: GraphNode, propagationPolicy: DeletionPropagation): Promise<void> {
    await unlessGone(
      this.options.client.delete(node.desc, node.namespace, node.name, {
        uid: node.uid,
        resourceVersion: node.resourceVersion,
        propagationPolicy,
      }),
    );
  }
}
