export { Scheduler, needsScheduling } from './scheduler.js';
export type { SchedulerOptions } from './scheduler.js';
export { SchedulingQueue } from './queue.js';
export type { QueuedPod, SchedulingQueueOptions } from './queue.js';
export { ClusterState, nodeResources, occupiesNode } from './cluster-state.js';
export { unschedulableMessage } from './messages.js';
export { createSchedulerCore, TsSchedulerCore, NativeSchedulerCore, measureCores } from './core/index.js';
export type { SchedulerCore, NodeResources, PodRequests, ScheduleResult, SchedulerCoreKind } from './core/contract.js';
