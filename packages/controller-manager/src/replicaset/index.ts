export { ReplicaSetController } from './replicaset-controller.js';
export type { ReplicaSetControllerOptions } from './replicaset-controller.js';
export { calculateReplicaSetStatus, updateReplicaSetStatus } from './status.js';
export type { ReplicaSetStatus } from './status.js';
export { manageReplicas, podFromTemplate } from './manage-replicas.js';
export type { ManageContext } from './manage-replicas.js';
