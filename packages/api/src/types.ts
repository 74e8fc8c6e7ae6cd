/**
 * Kubernetes object types. They come from the generated `kubernetes-types`
 * package; this module only gives them the short names Skiff uses.
 */
import type * as meta from 'kubernetes-types/meta/v1.js';
import type * as core from 'kubernetes-types/core/v1.js';
import type * as apps from 'kubernetes-types/apps/v1.js';
import type * as coordination from 'kubernetes-types/coordination/v1.js';
import type * as scheduling from 'kubernetes-types/scheduling/v1.js';
import type * as rbac from 'kubernetes-types/rbac/v1.js';

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
export type PodTemplateSpec = Writable<core.PodTemplateSpec>;
export type ConfigMap = Writable<core.ConfigMap>;
export type Secret = Writable<core.Secret>;
export type Service = Writable<core.Service>;
export type ServiceAccount = Writable<core.ServiceAccount>;
export type ResourceQuota = Writable<core.ResourceQuota>;
export type LimitRange = Writable<core.LimitRange>;
export type Deployment = Writable<apps.Deployment>;
export type ReplicaSet = Writable<apps.ReplicaSet>;
export type DaemonSet = Writable<apps.DaemonSet>;
export type Lease = Writable<coordination.Lease>;
export type PriorityClass = Writable<scheduling.PriorityClass>;
export type Role = Writable<rbac.Role>;
export type RoleBinding = Writable<rbac.RoleBinding>;
export type ClusterRole = Writable<rbac.ClusterRole>;
export type ClusterRoleBinding = Writable<rbac.ClusterRoleBinding>;
export type LabelSelectorSpec = Writable<meta.LabelSelector>;

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
