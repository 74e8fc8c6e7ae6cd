/**
 * The roles and bindings a secure apiserver makes sure exist at start (created
 * when missing, never overwritten), as kube-apiserver's bootstrap policy:
 * cluster-admin for system:masters, discovery and self-review for every
 * authenticated user, the aggregated admin/edit/view, and the scheduler's and
 * controller-manager's roles. Nodes are authorized by the Node authorizer.
 */
import { ApiError, CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, type ClusterRole, type ClusterRoleBinding } from '@skiff/api';
import type { GenericRegistry } from '../registry/generic.js';
import type { PolicyRule } from './rbac.js';
import { AUTHENTICATED_GROUP, MASTERS_GROUP } from './user.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

function clusterRole(
  name: string,
  rules: PolicyRule[],
  extra: Partial<ClusterRole> = {},
  labels: Record<string, string> = {},
): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels } },
    rules,
    ...extra,
  };
}

function binding(name: string, role: string, subject: { kind: 'User' | 'Group'; name: string }): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: BOOTSTRAP_LABELS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
  };
}

const aggregate = (to: string): Partial<ClusterRole> => ({
  aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' } }] },
  rules: [],
});

const CORE_WORKLOADS = [
  'pods',
  'pods/log',
  'pods/status',
  'services',
  'configmaps',
  'serviceaccounts',
  'events',
  'resourcequotas',
  'limitranges',
];
const APPS = [
  'deployments',
  'deployments/scale',
  'deployments/status',
  'replicasets',
  'replicasets/scale',
  'replicasets/status',
  'daemonsets',
];

/** The bootstrap ClusterRoles. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [
  clusterRole('cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]),
  clusterRole('system:discovery', [
    {
      nonResourceURLs: [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/openapi',
        '/openapi/*',
        '/version',
        '/version/',
        '/healthz',
        '/livez',
        '/readyz',
      ],
      verbs: ['get'],
    },
  ]),
  clusterRole('system:basic-user', [
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ]),
  clusterRole('system:auth-delegator', [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ]),
  clusterRole('admin', [], aggregate('admin')),
  clusterRole('edit', [], aggregate('edit'), { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
  clusterRole('view', [], aggregate('view'), { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
  clusterRole(
    'system:aggregate-to-admin',
    [
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
    ],
    {},
    { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      { apiGroups: [''], resources: [...CORE_WORKLOADS, 'secrets', 'pods/eviction'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['apps'], resources: APPS, verbs: [...READ, ...WRITE] },
    ],
    {},
    { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      { apiGroups: [''], resources: [...CORE_WORKLOADS, 'namespaces'], verbs: READ },
      { apiGroups: ['apps'], resources: APPS, verbs: READ },
    ],
    {},
    { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
  ),
  clusterRole('system:kube-scheduler', [
    { apiGroups: ['', 'apps', 'scheduling.k8s.io', 'policy', 'storage.k8s.io'], resources: ['*'], verbs: READ },
    { apiGroups: [''], resources: ['pods/binding', 'bindings'], verbs: ['create'] },
    // Preemption evicts victims (as upstream's role: pods delete).
    { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    { apiGroups: [''], resources: ['pods/status'], verbs: ['update', 'patch'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'update', 'patch'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'patch'] },
  ]),
  clusterRole('system:kube-controller-manager', [
    { apiGroups: ['', 'apps', 'coordination.k8s.io', 'events.k8s.io', 'scheduling.k8s.io'], resources: ['*'], verbs: ['*'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: READ },
  ]),
];

/** The bootstrap ClusterRoleBindings. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', { kind: 'Group', name: MASTERS_GROUP }),
  binding('system:discovery', 'system:discovery', { kind: 'Group', name: AUTHENTICATED_GROUP }),
  binding('system:basic-user', 'system:basic-user', { kind: 'Group', name: AUTHENTICATED_GROUP }),
  binding('system:kube-scheduler', 'system:kube-scheduler', { kind: 'User', name: 'system:kube-scheduler' }),
  binding('system:kube-controller-manager', 'system:kube-controller-manager', { kind: 'User', name: 'system:kube-controller-manager' }),
];

/** Creates every bootstrap role and binding that does not exist yet. */
export async function ensureBootstrapPolicy(registry: GenericRegistry): Promise<void> {
  const writes: Array<Promise<unknown>> = [
    ...BOOTSTRAP_CLUSTER_ROLES.map((r) => registry.create(CLUSTER_ROLES, '', structuredClone(r))),
    ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((b) => registry.create(CLUSTER_ROLE_BINDINGS, '', structuredClone(b))),
  ].map((p) =>
    p.catch((err: unknown) => {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }),
  );
  await Promise.all(writes);
}
