/**
 * The resources Skiff serves, described once. The apiserver's routes, discovery,
 * storage keys and event subjects are all derived from these descriptors.
 */
export interface ResourceDescriptor {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  /** Plural lower-case name used in URLs: `pods`. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Subresources served under the object's URL. */
  subresources: string[];
  verbs: string[];
  categories: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

type DescriptorExtras = Partial<Pick<ResourceDescriptor, 'shortNames' | 'subresources' | 'categories' | 'verbs' | 'singular'>>;

function describe(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: DescriptorExtras = {},
): ResourceDescriptor {
  return {
    group,
    version,
    resource,
    singular: extra.singular ?? kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: extra.shortNames ?? [],
    subresources: extra.subresources ?? [],
    verbs: extra.verbs ?? ALL_VERBS,
    categories: extra.categories ?? [],
  };
}

function core(resource: string, kind: string, namespaced: boolean, extra: DescriptorExtras = {}): ResourceDescriptor {
  return describe('', 'v1', resource, kind, namespaced, extra);
}

/** Every resource the apiserver serves, in discovery order. */
export const RESOURCES: readonly ResourceDescriptor[] = [
  core('namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    subresources: ['status', 'finalize'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  core('pods', 'Pod', true, { shortNames: ['po'], subresources: ['status', 'binding', 'log', 'eviction'], categories: ['all'] }),
  core('nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  core('events', 'Event', true, { shortNames: ['ev'] }),
  core('configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  core('secrets', 'Secret', true),
  core('services', 'Service', true, { shortNames: ['svc'], subresources: ['status'], categories: ['all'] }),
  core('serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  core('resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: ['status'] }),
  core('limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  describe('apps', 'v1', 'deployments', 'Deployment', true, {
    shortNames: ['deploy'],
    subresources: ['status', 'scale'],
    categories: ['all'],
  }),
  describe('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], subresources: ['status', 'scale'], categories: ['all'] }),
  describe('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], subresources: ['status'], categories: ['all'] }),
  describe('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  describe('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, { shortNames: ['pc'] }),
  describe('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  describe('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  describe('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  describe('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
];

/** The descriptor for a group and plural resource name, if served. */
export function findResource(group: string, resource: string): ResourceDescriptor | undefined {
  return RESOURCES.find((r) => r.group === group && r.resource === resource);
}

/** The descriptor for a kind, if served. */
export function findKind(group: string, kind: string): ResourceDescriptor | undefined {
  return RESOURCES.find((r) => r.group === group && r.kind === kind);
}

/** `v1` for the core group, `apps/v1` otherwise: the apiVersion of objects of this resource. */
export function apiVersionOf(desc: ResourceDescriptor): string {
  return desc.group === '' ? desc.version : `${desc.group}/${desc.version}`;
}

/** The descriptors the scheduler, kubelet and tests refer to by name. */
export const PODS: ResourceDescriptor = requireResource('', 'pods');
export const NODES: ResourceDescriptor = requireResource('', 'nodes');
export const NAMESPACES: ResourceDescriptor = requireResource('', 'namespaces');
export const EVENTS: ResourceDescriptor = requireResource('', 'events');
export const CONFIGMAPS: ResourceDescriptor = requireResource('', 'configmaps');
export const SECRETS: ResourceDescriptor = requireResource('', 'secrets');
export const SERVICES: ResourceDescriptor = requireResource('', 'services');
export const SERVICEACCOUNTS: ResourceDescriptor = requireResource('', 'serviceaccounts');
export const DEPLOYMENTS: ResourceDescriptor = requireResource('apps', 'deployments');
export const REPLICASETS: ResourceDescriptor = requireResource('apps', 'replicasets');
export const DAEMONSETS: ResourceDescriptor = requireResource('apps', 'daemonsets');
export const LEASES: ResourceDescriptor = requireResource('coordination.k8s.io', 'leases');
export const PRIORITYCLASSES: ResourceDescriptor = requireResource('scheduling.k8s.io', 'priorityclasses');
export const LIMITRANGES: ResourceDescriptor = requireResource('', 'limitranges');
export const RESOURCEQUOTAS: ResourceDescriptor = requireResource('', 'resourcequotas');
export const ROLES: ResourceDescriptor = requireResource('rbac.authorization.k8s.io', 'roles');
export const ROLE_BINDINGS: ResourceDescriptor = requireResource('rbac.authorization.k8s.io', 'rolebindings');
export const CLUSTER_ROLES: ResourceDescriptor = requireResource('rbac.authorization.k8s.io', 'clusterroles');
export const CLUSTER_ROLE_BINDINGS: ResourceDescriptor = requireResource('rbac.authorization.k8s.io', 'clusterrolebindings');

function requireResource(group: string, resource: string): ResourceDescriptor {
  const desc = findResource(group, resource);
  if (desc === undefined) throw new Error(`resource ${resource} is not described`);
  return desc;
}
