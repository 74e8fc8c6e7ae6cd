/**
 * The Kubernetes OpenAPI extensions the client-node generator drops: list
 * semantics (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`), patch
 * strategies (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`)
 * and atomic structs (`x-kubernetes-map-type`), for the fields of the served
 * types that carry them upstream. A list not named here is atomic, as
 * upstream's default for lists without a list type.
 */

export interface FieldExtension {
  listType: 'atomic' | 'set' | 'map';
  /** For `map` lists: the fields that identify an item, in order. */
  listMapKeys?: string[];
  /** Values a missing key takes (upstream defaults them before keying: a port's protocol). */
  keyDefaults?: Record<string, string>;
  patchStrategy?: string;
  patchMergeKey?: string;
}

export interface TypeExtension {
  mapType: 'atomic';
}

const byName = (key: string, strategy = 'merge'): FieldExtension => ({
  listType: 'map',
  listMapKeys: [key],
  patchStrategy: strategy,
  patchMergeKey: key,
});
const conditions = byName('type');
const set: FieldExtension = { listType: 'set', patchStrategy: 'merge' };
const containerPorts: FieldExtension = {
  listType: 'map',
  listMapKeys: ['containerPort', 'protocol'],
  keyDefaults: { protocol: 'TCP' },
  patchStrategy: 'merge',
  patchMergeKey: 'containerPort',
};

const FIELDS: Record<string, FieldExtension> = {
  'ObjectMeta.finalizers': set,
  'ObjectMeta.ownerReferences': byName('uid'),
  'PodSpec.containers': byName('name'),
  'PodSpec.initContainers': byName('name'),
  'PodSpec.ephemeralContainers': byName('name'),
  'PodSpec.volumes': byName('name', 'merge,retainKeys'),
  'PodSpec.imagePullSecrets': byName('name'),
  'PodSpec.hostAliases': byName('ip'),
  'PodSpec.resourceClaims': byName('name', 'merge,retainKeys'),
  'PodSpec.schedulingGates': byName('name'),
  'PodSpec.topologySpreadConstraints': {
    listType: 'map',
    listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
    patchStrategy: 'merge',
    patchMergeKey: 'topologyKey',
  },
  'Container.ports': containerPorts,
  'Container.env': byName('name'),
  'Container.volumeMounts': byName('mountPath'),
  'Container.volumeDevices': byName('devicePath'),
  'EphemeralContainer.ports': containerPorts,
  'EphemeralContainer.env': byName('name'),
  'EphemeralContainer.volumeMounts': byName('mountPath'),
  'EphemeralContainer.volumeDevices': byName('devicePath'),
  'PodStatus.conditions': conditions,
  'PodStatus.podIPs': byName('ip'),
  'PodStatus.hostIPs': byName('ip'),
  'NodeSpec.podCIDRs': set,
  'NodeStatus.conditions': conditions,
  'NodeStatus.addresses': byName('type'),
  'NamespaceStatus.conditions': conditions,
  'ServiceSpec.ports': {
    listType: 'map',
    listMapKeys: ['port', 'protocol'],
    keyDefaults: { protocol: 'TCP' },
    patchStrategy: 'merge',
    patchMergeKey: 'port',
  },
  'ServiceStatus.conditions': conditions,
  'ServiceAccount.secrets': byName('name'),
  'DeploymentStatus.conditions': conditions,
  'ReplicaSetStatus.conditions': conditions,
  'DaemonSetStatus.conditions': conditions,
};

const ATOMIC_TYPES = new Set(['LabelSelector', 'ObjectReference']);

/** The extension of a field of a type (`PodSpec`, `containers`), if upstream declares one. */
export function fieldExtension(typeName: string, field: string): FieldExtension | undefined {
  return FIELDS[`${typeName}.${field}`];
}

/** The extension of a type, for structs upstream marks atomic. */
export function typeExtension(typeName: string): TypeExtension | undefined {
  return ATOMIC_TYPES.has(typeName) ? { mapType: 'atomic' } : undefined;
}
