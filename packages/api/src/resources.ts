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

function core(
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceDescriptor, 'shortNames' | 'subresources' | 'categories' | 'verbs'>> = {},
): ResourceDescriptor {
  return {
    group: '',
    version: 'v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: extra.shortNames ?? [],
    subresources: extra.subresources ?? [],
    verbs: extra.verbs ?? ALL_VERBS,
    categories: extra.categories ?? [],
  };
}

/** Every resource the apiserver serves, in discovery order. */
export const RESOURCES: readonly ResourceDescriptor[] = [
  core('namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    subresources: ['status'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  core('pods', 'Pod', true, {
    shortNames: ['po'],
    subresources: ['status', 'binding', 'log'],
    categories: ['all'],
  }),
  core('nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  core('events', 'Event', true, { shortNames: ['ev'] }),
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

function requireResource(group: string, resource: string): ResourceDescriptor {
  const desc = findResource(group, resource);
  if (desc === undefined) throw new Error(`resource ${resource} is not described`);
  return desc;
}
