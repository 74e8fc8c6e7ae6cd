export { StateMetrics } from './state-metrics.js';
export type { StateMetricsOptions } from './state-metrics.js';
export { largestFittingPod, nodeFree, strandedCapacity } from './headroom.js';
export type { CpuMemory, NodeFree, ReferencePod } from './headroom.js';
export { resourceSample, resourceSamples, resourceUnit, sanitizeResourceName } from './resources.js';
export type { ResourceSample, ResourceUnit } from './resources.js';
