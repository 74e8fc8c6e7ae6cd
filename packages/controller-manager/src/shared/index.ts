export { InstrumentedQueue } from './workqueue.js';
export type { InstrumentedQueueOptions } from './workqueue.js';
export { ControllerExpectations, DEFAULT_EXPECTATIONS_TIMEOUT_MS } from './expectations.js';
export { comparePodsForDeletion, podsToDelete, POD_DELETION_COST_ANNOTATION } from './pod-ranking.js';
export { computeTemplateHash, templatesEqualIgnoringHash, POD_TEMPLATE_HASH_LABEL } from './template-hash.js';
export { resolveFenceposts, scaledValue, maxSurge, maxUnavailable, newReplicaSetReplicas } from './rollout-math.js';
export type { IntOrPercent } from './rollout-math.js';
export { controllerRefOf, newControllerRef, isControlledBy } from './owner-references.js';
export type { OwnerReference } from './owner-references.js';
