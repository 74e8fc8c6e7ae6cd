export { GarbageCollector, collectableResources } from './garbage-collector.js';
export type { GarbageCollectorOptions } from './garbage-collector.js';
export { OwnerGraph, nodeOf, blockingDependents } from './owner-graph.js';
export type { GraphNode } from './owner-graph.js';
export { OwnerLookup, ownerDescriptor } from './owner-lookup.js';
export type { OwnerState } from './owner-lookup.js';
export { decide } from './decide.js';
export type { GcDecision, ItemFacts } from './decide.js';
