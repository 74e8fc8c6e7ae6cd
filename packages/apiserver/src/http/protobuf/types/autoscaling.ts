/**
 * autoscaling/v1 table: HorizontalPodAutoscaler (`kubectl autoscale`; 1.33
 * tries autoscaling/v2 first, which has no table yet, then falls back to v1).
 */
import { message } from '../schema.js';
import { Time } from './machinery.js';
import { ObjectMeta } from './meta.js';

export const CrossVersionObjectReference = message('CrossVersionObjectReference', [
  [1, 'kind', 'string', '!'],
  [2, 'name', 'string', '!'],
  [3, 'apiVersion', 'string'],
]);

export const HorizontalPodAutoscalerSpec = message('HorizontalPodAutoscalerSpec', [
  [1, 'scaleTargetRef', CrossVersionObjectReference],
  [2, 'minReplicas', 'int32', 'pointer'],
  [3, 'maxReplicas', 'int32', '!'],
  [4, 'targetCPUUtilizationPercentage', 'int32', 'pointer'],
]);

export const HorizontalPodAutoscalerStatus = message('HorizontalPodAutoscalerStatus', [
  [1, 'observedGeneration', 'int64', 'pointer'],
  [2, 'lastScaleTime', Time, 'pointer'],
  [3, 'currentReplicas', 'int32', '!'],
  [4, 'desiredReplicas', 'int32', '!'],
  [5, 'currentCPUUtilizationPercentage', 'int32', 'pointer'],
]);

export const HorizontalPodAutoscaler = message('HorizontalPodAutoscaler', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', HorizontalPodAutoscalerSpec],
  [3, 'status', HorizontalPodAutoscalerStatus],
]);
