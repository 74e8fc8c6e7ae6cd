/** rbac.authorization.k8s.io/v1 tables: roles, bindings, their rules, subjects and role references. */
import { message } from '../schema.js';
import { LabelSelector, ObjectMeta } from './meta.js';

export const PolicyRule = message('PolicyRule', [
  [1, 'verbs', 'string', 'list!'],
  [2, 'apiGroups', 'string', 'list'],
  [3, 'resources', 'string', 'list'],
  [4, 'resourceNames', 'string', 'list'],
  [5, 'nonResourceURLs', 'string', 'list'],
]);

export const AggregationRule = message('AggregationRule', [[1, 'clusterRoleSelectors', LabelSelector, 'list']]);

export const Role = message('Role', [
  [1, 'metadata', ObjectMeta],
  [2, 'rules', PolicyRule, 'list!'],
]);

export const ClusterRole = message('ClusterRole', [
  [1, 'metadata', ObjectMeta],
  [2, 'rules', PolicyRule, 'list!'],
  [3, 'aggregationRule', AggregationRule, 'pointer'],
]);

export const Subject = message('Subject', [
  [1, 'kind', 'string', '!'],
  [2, 'apiGroup', 'string'],
  [3, 'name', 'string', '!'],
  [4, 'namespace', 'string'],
]);

export const RoleRef = message('RoleRef', [
  [1, 'apiGroup', 'string', '!'],
  [2, 'kind', 'string', '!'],
  [3, 'name', 'string', '!'],
]);

export const RoleBinding = message('RoleBinding', [
  [1, 'metadata', ObjectMeta],
  [2, 'subjects', Subject, 'list'],
  [3, 'roleRef', RoleRef],
]);

export const ClusterRoleBinding = message('ClusterRoleBinding', [
  [1, 'metadata', ObjectMeta],
  [2, 'subjects', Subject, 'list'],
  [3, 'roleRef', RoleRef],
]);
