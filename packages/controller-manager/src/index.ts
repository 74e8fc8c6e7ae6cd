export { ControllerManager } from './controller-manager.js';
export type { ControllerManagerOptions } from './controller-manager.js';
export { PodGcController } from './podgc.js';
export type { PodGcOptions } from './podgc.js';
export { NamespaceController } from './namespace.js';
export type { NamespaceControllerOptions } from './namespace.js';
export { ServiceAccountController } from './serviceaccount.js';
export { StateMetrics } from './state-metrics/index.js';
