/** authorization.k8s.io/v1 table: SelfSubjectAccessReview (`kubectl auth can-i` sends it as protobuf). */
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
