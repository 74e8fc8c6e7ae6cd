/**
 * Kubernetes object types. They come from the generated `kubernetes-types`
 * package; this module only gives them the short names Skiff uses.
 */
import type * as meta from 'kubernetes-types/meta/v1.js';
import type * as core from 'kubernetes-types/core/v1.js';

/**
 * The generated types mark server-set fields readonly; the apiserver and the
 * components set exactly those, so Skiff uses writable versions (which also
 * gives them implicit index signatures, so every one of them is a KubeObject).
 */
export type Writable<T> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends ReadonlyArray<infer U>
    ? Array<Writable<U>>
    : { -readonly [K in keyof T]: Writable<T[K]> };

export type ObjectMeta = Writable<meta.ObjectMeta>;
export type ListMeta = Writable<meta.ListMeta>;
export type Status = Writable<meta.Status>;
export type StatusCause = Writable<meta.StatusCause>;
export type Time = meta.Time;
export type Pod = Writable<core.Pod>;
export type PodSpec = Writable<core.PodSpec>;
export type PodStatus = Writable<core.PodStatus>;
export type PodCondition = Writable<core.PodCondition>;
export type Container = Writable<core.Container>;
export type ContainerStatus = Writable<core.ContainerStatus>;
export type ContainerState = Writable<core.ContainerState>;
export type Node = Writable<core.Node>;
export type NodeStatus = Writable<core.NodeStatus>;
export type NodeCondition = Writable<core.NodeCondition>;
export type Namespace = Writable<core.Namespace>;
export type Event = Writable<core.Event>;
export type Binding = Writable<core.Binding>;
export type Volume = Writable<core.Volume>;

/** Any Kubernetes object: what the store holds and the API serves. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A Kubernetes list as the API returns it. */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

/** The three kinds of change a watch reports (BOOKMARK and ERROR are HTTP-only). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, as the apiserver publishes it and informers receive it. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** The object after the change; for DELETED, its last state. resourceVersion is set. */
  object: T;
  /** The store revision of the change (equals object.metadata.resourceVersion). */
  revision: number;
}
