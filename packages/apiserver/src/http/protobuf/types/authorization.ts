/** authorization.k8s.io/v1 tables: SelfSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i [--list]` sends them as protobuf). */
import { message } from '../schema.js';
import { ObjectMeta } from './meta.js';

export const ResourceAttributes = message('ResourceAttributes', [
  [1, 'namespace', 'string'],
  [2, 'verb', 'string'],
  [3, 'group', 'string'],
  [4, 'version', 'string'],
  [5, 'resource', 'string'],
  [6, 'subresource', 'string'],
  [7, 'name', 'string'],
]);

export const NonResourceAttributes = message('NonResourceAttributes', [
  [1, 'path', 'string'],
  [2, 'verb', 'string'],
]);

export const SelfSubjectAccessReviewSpec = message('SelfSubjectAccessReviewSpec', [
  [1, 'resourceAttributes', ResourceAttributes, 'pointer'],
  [2, 'nonResourceAttributes', NonResourceAttributes, 'pointer'],
]);

export const SubjectAccessReviewStatus = message('SubjectAccessReviewStatus', [
  [1, 'allowed', 'bool', '!'],
  [4, 'denied', 'bool'],
  [2, 'reason', 'string'],
  [3, 'evaluationError', 'string'],
]);

export const SelfSubjectAccessReview = message('SelfSubjectAccessReview', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', SelfSubjectAccessReviewSpec],
  [3, 'status', SubjectAccessReviewStatus],
]);

export const SelfSubjectRulesReviewSpec = message('SelfSubjectRulesReviewSpec', [[1, 'namespace', 'string']]);

export const ResourceRule = message('ResourceRule', [
  [1, 'verbs', 'string', 'list!'],
  [2, 'apiGroups', 'string', 'list'],
  [3, 'resources', 'string', 'list'],
  [4, 'resourceNames', 'string', 'list'],
]);

export const NonResourceRule = message('NonResourceRule', [
  [1, 'verbs', 'string', 'list!'],
  [2, 'nonResourceURLs', 'string', 'list'],
]);

export const SubjectRulesReviewStatus = message('SubjectRulesReviewStatus', [
  [1, 'resourceRules', ResourceRule, 'list!'],
  [2, 'nonResourceRules', NonResourceRule, 'list!'],
  [3, 'incomplete', 'bool', '!'],
  [4, 'evaluationError', 'string'],
]);

/** `kubectl auth can-i --list` sends it (with an empty status). */
export const SelfSubjectRulesReview = message('SelfSubjectRulesReview', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', SelfSubjectRulesReviewSpec],
  [3, 'status', SubjectRulesReviewStatus],
]);
