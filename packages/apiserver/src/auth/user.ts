/** Who is calling: the result of authentication, as Kubernetes' user.Info. */

/** An authenticated identity. */
export interface UserInfo {
  /** `skiff-admin`, `system:node:vm`, `system:serviceaccount:default:builder`. */
  readonly name: string;
  readonly uid?: string;
  /** Every authenticated user also carries `system:authenticated`. */
  readonly groups: readonly string[];
  /** Extra attributes (bound ServiceAccount tokens carry the pod and the credential id). */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** The user with `system:authenticated` added (once). */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes(AUTHENTICATED_GROUP) ? user : { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

/** The node name of a node identity (`system:node:<name>` in group `system:nodes`), else undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  const name = user.name.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}
