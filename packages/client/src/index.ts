export { ApiClient, API_REQUEST_SUBJECT } from './api-client.js';
export type { ApiClientOptions, ClientTls, ListQuery, ListResponse } from './api-client.js';
export { Informer } from './informer.js';
export type { InformerHandlers, InformerOptions } from './informer.js';
export { WorkQueue } from './work-queue.js';
export type { WorkQueueOptions } from './work-queue.js';
export { EventRecorder } from './events.js';
export { LeaderElector } from './leader-election.js';
export type { LeaderElectionOptions } from './leader-election.js';
