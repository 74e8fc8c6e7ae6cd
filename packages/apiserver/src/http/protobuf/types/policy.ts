/** policy/v1 table: PodDisruptionBudget (`kubectl create poddisruptionbudget`). */
import { message } from '../schema.js';
import { IntOrString, Time } from './machinery.js';
import { Condition, LabelSelector, ObjectMeta } from './meta.js';

export const PodDisruptionBudgetSpec = message('PodDisruptionBudgetSpec', [
  [1, 'minAvailable', IntOrString, 'pointer'],
  [2, 'selector', LabelSelector, 'pointer'],
  [3, 'maxUnavailable', IntOrString, 'pointer'],
  [4, 'unhealthyPodEvictionPolicy', 'string', 'pointer'],
]);

export const PodDisruptionBudgetStatus = message('PodDisruptionBudgetStatus', [
  [1, 'observedGeneration', 'int64'],
  [2, 'disruptedPods', Time, 'map'],
  [3, 'disruptionsAllowed', 'int32', '!'],
  [4, 'currentHealthy', 'int32', '!'],
  [5, 'desiredHealthy', 'int32', '!'],
  [6, 'expectedPods', 'int32', '!'],
  [7, 'conditions', Condition, 'list'],
]);

export const PodDisruptionBudget = message('PodDisruptionBudget', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', PodDisruptionBudgetSpec],
  [3, 'status', PodDisruptionBudgetStatus],
]);
