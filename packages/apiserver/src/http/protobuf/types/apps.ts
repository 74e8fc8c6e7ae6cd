/** apps/v1 tables: Deployment and its spec, strategy and status. */
import { message } from '../schema.js';
import { IntOrString, Time } from './machinery.js';
import { LabelSelector, ObjectMeta } from './meta.js';
import { PodTemplateSpec } from './pod.js';

export const RollingUpdateDeployment = message('RollingUpdateDeployment', [
  [1, 'maxUnavailable', IntOrString, 'pointer'],
  [2, 'maxSurge', IntOrString, 'pointer'],
]);

export const DeploymentStrategy = message('DeploymentStrategy', [
  [1, 'type', 'string'],
  [2, 'rollingUpdate', RollingUpdateDeployment, 'pointer'],
]);

export const DeploymentSpec = message('DeploymentSpec', [
  [1, 'replicas', 'int32', 'pointer'],
  [2, 'selector', LabelSelector, 'pointer!'],
  [3, 'template', PodTemplateSpec],
  [4, 'strategy', DeploymentStrategy],
  [5, 'minReadySeconds', 'int32'],
  [6, 'revisionHistoryLimit', 'int32', 'pointer'],
  [7, 'paused', 'bool'],
  [9, 'progressDeadlineSeconds', 'int32', 'pointer'],
]);

export const DeploymentCondition = message('DeploymentCondition', [
  [1, 'type', 'string', '!'],
  [2, 'status', 'string', '!'],
  [6, 'lastUpdateTime', Time],
  [7, 'lastTransitionTime', Time],
  [4, 'reason', 'string'],
  [5, 'message', 'string'],
]);

export const DeploymentStatus = message('DeploymentStatus', [
  [1, 'observedGeneration', 'int64'],
  [2, 'replicas', 'int32'],
  [3, 'updatedReplicas', 'int32'],
  [7, 'readyReplicas', 'int32'],
  [4, 'availableReplicas', 'int32'],
  [5, 'unavailableReplicas', 'int32'],
  [9, 'terminatingReplicas', 'int32', 'pointer'],
  [6, 'conditions', DeploymentCondition, 'list'],
  [8, 'collisionCount', 'int32', 'pointer'],
]);

export const Deployment = message('Deployment', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', DeploymentSpec],
  [3, 'status', DeploymentStatus],
]);
