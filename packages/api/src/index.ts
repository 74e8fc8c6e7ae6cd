export type {
  ObjectMeta,
  ListMeta,
  Status,
  StatusCause,
  Time,
  Pod,
  PodSpec,
  PodStatus,
  PodCondition,
  Container,
  ContainerStatus,
  Node,
  NodeStatus,
  NodeCondition,
  Namespace,
  Event,
  Binding,
  ContainerState,
  Volume,
  PodTemplateSpec,
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
  ResourceQuota,
  LimitRange,
  Deployment,
  ReplicaSet,
  DaemonSet,
  Lease,
  PriorityClass,
  Role,
  RoleBinding,
  ClusterRole,
  ClusterRoleBinding,
  LabelSelectorSpec,
  Writable,
  KubeObject,
  KubeList,
  WatchEventType,
  WatchEvent,
} from './types.js';
export {
  ApiError,
  notFound,
  alreadyExists,
  conflict,
  badRequest,
  invalid,
  methodNotAllowed,
  gone,
  internalError,
  isStatus,
  apiErrorFromResponse,
} from './status.js';
export type { StatusReason, StatusTarget } from './status.js';
export { parseQuantity, isQuantity, milliCpu, bytes, formatMilliCpu, formatBytes } from './quantity.js';
export {
  RESOURCES,
  findResource,
  findKind,
  apiVersionOf,
  PODS,
  NODES,
  NAMESPACES,
  EVENTS,
  CONFIGMAPS,
  SECRETS,
  SERVICES,
  SERVICEACCOUNTS,
  DEPLOYMENTS,
  REPLICASETS,
  DAEMONSETS,
  LEASES,
  PRIORITYCLASSES,
  LIMITRANGES,
  RESOURCEQUOTAS,
  ROLES,
  ROLE_BINDINGS,
  CLUSTER_ROLES,
  CLUSTER_ROLE_BINDINGS,
} from './resources.js';
export type { ResourceDescriptor } from './resources.js';
export { escapeToken, unescapeToken, groupToken, objectKey, keyPrefix, parseKey, NONE_TOKEN } from './keys.js';
export type { ParsedKey } from './keys.js';
export {
  OBJECTS_BUCKET,
  OBJECTS_STREAM,
  EVENTS_STREAM,
  EVENTS_ROOT,
  REVISION_HEADER,
  EVENT_TYPE_HEADER,
  eventSubject,
  eventFilterSubject,
  UNSHARDED,
  API_REQUEST_SUBJECT,
  apiRequestSubject,
  identityOfApiRequestSubject,
  inboxPrefixOf,
} from './subjects.js';
export type { EventFilter, SubjectIdentity } from './subjects.js';
export { parseLabelSelector, parseFieldSelector, fieldValue, structuredSelectorMatches, formatStructuredSelector } from './selectors.js';
export type { LabelSelector, FieldSelector, StructuredSelector } from './selectors.js';
export {
  podRequests,
  podQosClass,
  isPodTerminal,
  namespacedName,
  nowTimestamp,
  DEFAULT_MILLI_CPU_REQUEST,
  DEFAULT_MEMORY_REQUEST,
} from './pod.js';
export type { PodResourceRequests, PodQosClass } from './pod.js';
export {
  MILESTONES,
  MILESTONE_ANNOTATION_PREFIX,
  LIFECYCLE_PHASES,
  milestoneAnnotation,
  milestoneTime,
  podMilestones,
  phaseDurations,
} from './lifecycle.js';
export type { Milestone } from './lifecycle.js';
export { DELETION_PROPAGATIONS, FOREGROUND_DELETION_FINALIZER, ORPHAN_FINALIZER, isDeletionPropagation } from './garbage-collection.js';
export type { DeletionPropagation } from './garbage-collection.js';
export { ReplyInbox } from './reply-inbox.js';
export type { ReplyInboxOptions, ReplyWaiter } from './reply-inbox.js';
export { WireHeaders } from './wire-headers.js';
