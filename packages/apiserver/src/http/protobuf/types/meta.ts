/** meta/v1 tables: ObjectMeta and the small types objects share (selectors, owner references, conditions). */
import { message } from '../schema.js';
import { FieldsV1, Time } from './machinery.js';

export const OwnerReference = message('OwnerReference', [
  [5, 'apiVersion', 'string', '!'],
  [1, 'kind', 'string', '!'],
  [3, 'name', 'string', '!'],
  [4, 'uid', 'string', '!'],
  [6, 'controller', 'bool', 'pointer'],
  [7, 'blockOwnerDeletion', 'bool', 'pointer'],
]);

export const ManagedFieldsEntry = message('ManagedFieldsEntry', [
  [1, 'manager', 'string'],
  [2, 'operation', 'string'],
  [3, 'apiVersion', 'string'],
  [4, 'time', Time, 'pointer'],
  [6, 'fieldsType', 'string'],
  [7, 'fieldsV1', FieldsV1, 'pointer'],
  [8, 'subresource', 'string'],
]);

export const ObjectMeta = message('ObjectMeta', [
  [1, 'name', 'string'],
  [2, 'generateName', 'string'],
  [3, 'namespace', 'string'],
  [4, 'selfLink', 'string'],
  [5, 'uid', 'string'],
  [6, 'resourceVersion', 'string'],
  [7, 'generation', 'int64'],
  [8, 'creationTimestamp', Time],
  [9, 'deletionTimestamp', Time, 'pointer'],
  [10, 'deletionGracePeriodSeconds', 'int64', 'pointer'],
  [11, 'labels', 'string', 'map'],
  [12, 'annotations', 'string', 'map'],
  [13, 'ownerReferences', OwnerReference, 'list'],
  [14, 'finalizers', 'string', 'list'],
  [17, 'managedFields', ManagedFieldsEntry, 'list'],
]);

export const LabelSelectorRequirement = message('LabelSelectorRequirement', [
  [1, 'key', 'string', '!'],
  [2, 'operator', 'string', '!'],
  [3, 'values', 'string', 'list'],
]);

export const LabelSelector = message('LabelSelector', [
  [1, 'matchLabels', 'string', 'map'],
  [2, 'matchExpressions', LabelSelectorRequirement, 'list'],
]);

/** metav1.Condition (used by Service, PodDisruptionBudget status). */
export const Condition = message('Condition', [
  [1, 'type', 'string', '!'],
  [2, 'status', 'string', '!'],
  [3, 'observedGeneration', 'int64'],
  [4, 'lastTransitionTime', Time, '!'],
  [5, 'reason', 'string', '!'],
  [6, 'message', 'string', '!'],
]);
