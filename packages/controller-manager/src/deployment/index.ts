export { DeploymentController } from './deployment-controller.js';
export type { DeploymentControllerOptions } from './deployment-controller.js';
export {
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  revisionOf,
} from './annotations.js';
export { Reason as DeploymentConditionReason } from './conditions.js';
export type { DeploymentCondition, DeploymentStatus } from './conditions.js';
