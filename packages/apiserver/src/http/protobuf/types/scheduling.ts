/** scheduling.k8s.io/v1 table: PriorityClass. */
import { message } from '../schema.js';
import { ObjectMeta } from './meta.js';

export const PriorityClass = message('PriorityClass', [
  [1, 'metadata', ObjectMeta],
  [2, 'value', 'int32', '!'],
  [3, 'globalDefault', 'bool'],
  [4, 'description', 'string'],
  [5, 'preemptionPolicy', 'string', 'pointer'],
]);
