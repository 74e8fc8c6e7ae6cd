/**
 * The garbage collector's view of ownership (upstream's uidToNode graph): every
 * object its informers hold, by uid, with its owner references, and for each
 * owner uid the objects that reference it. Owners need not be present: a
 * dependent may reference a uid the graph has never seen (an owner already
 * gone, or one of a resource not yet listed).
 *
 * Contract: it is only changed from informer handlers (upsert/remove), reads
 * are synchronous and cheap, and it never talks to the apiserver.
 */
import { FOREGROUND_DELETION_FINALIZER, ORPHAN_FINALIZER, type KubeObject, type ResourceDescriptor } from '@skiff/api';
import type { OwnerReference } from '../shared/owner-references.js';

/** One object as the graph knows it. */
export interface GraphNode {
  uid: string;
  desc: ResourceDescriptor;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** The version the graph holds: every write the collector makes is conditional on it. */
  resourceVersion: string;
  finalizers: readonly string[];
  ownerReferences: readonly OwnerReference[];
  /** Has a deletionTimestamp: on its way out, whatever the collector does. */
  beingDeleted: boolean;
  /** Being deleted in the foreground: deletionTimestamp and the foregroundDeletion finalizer. */
  deletingDependents: boolean;
  /** Being deleted with the orphan policy: deletionTimestamp and the orphan finalizer. */
  orphaning: boolean;
}

/** What an upsert changed, for the collector to decide what to queue. */
export interface GraphChange {
  node: GraphNode;
  previous: GraphNode | undefined;
}

/** The node for an object, or undefined for one without a uid. */
export function nodeOf(desc: ResourceDescriptor, object: KubeObject): GraphNode | undefined {
  const meta = object.metadata ?? {};
  if (meta.uid === undefined || meta.uid === '') return undefined;
  const deleting = meta.deletionTimestamp !== undefined;
  const finalizers = meta.finalizers ?? [];
  return {
    uid: meta.uid,
    desc,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    resourceVersion: meta.resourceVersion ?? '',
    finalizers,
    ownerReferences: meta.ownerReferences ?? [],
    beingDeleted: deleting,
    deletingDependents: deleting && finalizers.includes(FOREGROUND_DELETION_FINALIZER),
    orphaning: deleting && finalizers.includes(ORPHAN_FINALIZER),
  };
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → uids of the objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Records the node (added or changed) and re-indexes its owner references. */
  upsert(node: GraphNode): GraphChange {
    const previous = this.nodes.get(node.uid);
    if (previous !== undefined) this.unindex(previous);
    this.nodes.set(node.uid, node);
    for (const ref of node.ownerReferences) {
      let set = this.dependents.get(ref.uid);
      if (set === undefined) {
        set = new Set();
        this.dependents.set(ref.uid, set);
      }
      set.add(node.uid);
    }
    return { node, previous };
  }

  /** Forgets the object; returns what the graph held for it. */
  remove(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (node === undefined) return undefined;
    this.unindex(node);
    this.nodes.delete(uid);
    return node;
  }

  /** The objects in the graph that reference ownerUid. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const uid of this.dependents.get(ownerUid) ?? []) {
      const node = this.nodes.get(uid);
      if (node !== undefined) out.push(node);
    }
    return out;
  }

  private unindex(node: GraphNode): void {
    for (const ref of node.ownerReferences) {
      const set = this.dependents.get(ref.uid);
      set?.delete(node.uid);
      if (set?.size === 0) this.dependents.delete(ref.uid);
    }
  }
}

/** The reference from dependent to the owner with this uid, if any. */
export function referenceTo(dependent: GraphNode, ownerUid: string): OwnerReference | undefined {
  return dependent.ownerReferences.find((r) => r.uid === ownerUid);
}

/**
 * The dependents that keep a foreground-deleted owner: those whose reference
 * to it has blockOwnerDeletion, and (for a namespaced owner) that live in its
 * namespace, since a reference from another namespace cannot name it.
 */
export function blockingDependents(graph: OwnerGraph, owner: GraphNode): GraphNode[] {
  return graph
    .dependentsOf(owner.uid)
    .filter((d) => referenceTo(d, owner.uid)?.blockOwnerDeletion === true && (!owner.desc.namespaced || d.namespace === owner.namespace));
}
