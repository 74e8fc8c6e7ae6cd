export { parseShape, parseNodeSelector, shapeRequests } from './shape.js';
export type { PodShape } from './shape.js';
export { loadClusterCopy, podEphemeralStorage } from './cluster-copy.js';
export type { ClusterCopy, NodeCopy } from './cluster-copy.js';
export { fitErrorMessage, REASONS } from './fit-error.js';
export { simulateCapacity } from './simulate.js';
export type { CapacityOptions, CapacityReport, NodePlacement } from './simulate.js';
export { formatCapacityJson, formatCapacityText, formatShape } from './report.js';
