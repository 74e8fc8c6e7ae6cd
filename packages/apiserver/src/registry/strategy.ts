/**
 * One strategy per resource: what the generic registry asks of a resource
 * before it stores an object (kube-apiserver's RESTCreateStrategy and friends).
 */
import type { KubeObject, ResourceDescriptor, StatusCause } from '@skiff/api';
import type { TablePrinter } from '../http/table.js';
import type { GarbageCollectionPolicy } from './deletion-finalizers.js';

export interface ResourceStrategy {
  readonly desc: ResourceDescriptor;
  /** Field selector paths the resource supports (beyond metadata.name and metadata.namespace). */
  readonly fieldSelectors: readonly string[];
  readonly table: TablePrinter;
  /** Fills defaults and resets what a client may not set on create (e.g. a pod's status). */
  prepareForCreate(object: KubeObject): void;
  /**
   * Prepares an update. For the main resource, status is kept from `previous`;
   * for the status subresource, only status is taken from `next`.
   */
  prepareForUpdate(next: KubeObject, previous: KubeObject, subresource: 'status' | undefined): void;
  /** Problems with the object, one cause per bad field; empty when valid. */
  validate(object: KubeObject, previous: KubeObject | undefined): StatusCause[];
  /**
   * For graceful deletion: the grace period to apply before the object is really
   * removed, or 0 to remove it at once. `requested` is the client's gracePeriodSeconds.
   */
  deletionGracePeriod(object: KubeObject, requested: number | undefined): number;
  /**
   * Optional admission step on create, after defaults and before validation,
   * with read access to the current objects (e.g. allocating a Service's cluster IP).
   */
  admit?(object: KubeObject, ctx: AdmissionContext): void;
  /** Finalizers of the resource's own beyond metadata.finalizers (a namespace's spec.finalizers). */
  pendingFinalizers?(object: KubeObject): boolean;
  /** Changes made when deletion starts on an object finalizers hold (a namespace goes Terminating). */
  prepareForDeletion?(object: KubeObject): void;
  /** What happens to dependents when a delete names no propagation policy (default `DeleteDependents`: background). */
  readonly defaultGarbageCollectionPolicy?: GarbageCollectionPolicy;
}

/** What an admission step may read. */
export interface AdmissionContext {
  /** Every live object of a resource (from the watch cache). */
  list(desc: ResourceDescriptor): KubeObject[];
}

/** A cause of a 422 Invalid Status. */
export function cause(type: string, field: string, message: string): StatusCause {
  return { reason: type, field, message };
}

/**
 * The spec/status split of resources with a status subresource: an update of
 * the main resource keeps the stored status; an update of `status` keeps
 * everything but status (and metadata) from the stored object.
 */
export function splitStatusUpdate(next: KubeObject, previous: KubeObject, subresource: 'status' | undefined): void {
  if (subresource === 'status') {
    const status = next['status'];
    for (const k of Object.keys(next)) if (k !== 'metadata') delete next[k];
    Object.assign(next, { ...previous, metadata: next.metadata, status });
  } else {
    next['status'] = previous['status'];
  }
}
