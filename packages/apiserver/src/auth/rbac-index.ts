/**
 * The RBAC objects (Roles, ClusterRoles, RoleBindings, ClusterRoleBindings) as
 * the authorizer reads them: indexed by name and namespace, kept current from
 * the apiserver's watch cache (a snapshot, then each change), so authorizing a
 * request reads memory only.
 */
import {
  CLUSTER_ROLE_BINDINGS,
  CLUSTER_ROLES,
  keyPrefix,
  objectKey,
  type ClusterRole,
  type ClusterRoleBinding,
  type KubeObject,
  ROLE_BINDINGS,
  ROLES,
  type Role,
  type RoleBinding,
} from '@skiff/api';
import type { WatchCache } from '../storage/watch-cache.js';

/** The RBAC resources' storage key prefixes. */
const PREFIXES = [ROLES, ROLE_BINDINGS, CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS].map((d) => keyPrefix(d));

/** Current RBAC objects by storage key, per kind. */
export class RbacIndex {
  readonly roles = new Map<string, Role>();
  readonly roleBindings = new Map<string, RoleBinding>();
  readonly clusterRoles = new Map<string, ClusterRole>();
  readonly clusterRoleBindings = new Map<string, ClusterRoleBinding>();
  private readonly unsubscribe: () => void;

  constructor(cache: WatchCache) {
    for (const prefix of PREFIXES) for (const stored of cache.list(prefix)) this.put(stored.key, stored.object);
    this.unsubscribe = cache.subscribe((change) => {
      if (!PREFIXES.some((p) => change.key.startsWith(p))) return;
      if (change.type === 'DELETED') this.mapFor(change.key)?.delete(change.key);
      else this.put(change.key, change.object);
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** A Role by namespace and name. */
  role(namespace: string, name: string): Role | undefined {
    return this.roles.get(objectKey(ROLES, namespace, name));
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(objectKey(CLUSTER_ROLES, '', name));
  }

  /** RoleBindings of one namespace. */
  *roleBindingsIn(namespace: string): Iterable<RoleBinding> {
    const prefix = keyPrefix(ROLE_BINDINGS, namespace);
    for (const [key, binding] of this.roleBindings) if (key.startsWith(prefix)) yield binding;
  }

  private mapFor(key: string): Map<string, KubeObject> | undefined {
    if (key.startsWith(PREFIXES[0] ?? '')) return this.roles;
    if (key.startsWith(PREFIXES[1] ?? '')) return this.roleBindings;
    if (key.startsWith(PREFIXES[2] ?? '')) return this.clusterRoles;
    if (key.startsWith(PREFIXES[3] ?? '')) return this.clusterRoleBindings;
    return undefined;
  }

  private put(key: string, object: KubeObject): void {
    this.mapFor(key)?.set(key, object);
  }
}
