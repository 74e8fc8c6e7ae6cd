export { EvictionManager, evictionMessage, type EvictionManagerOptions, type PressureCondition } from './manager.js';
export { rankForMemoryPressure, rankForOtherPressure, type PodUsage } from './ranking.js';
export { observeSignals, type Observations, type SignalObservation } from './signals.js';
export {
  DEFAULT_EVICTION_HARD,
  parseEvictionThresholds,
  SIGNAL_RESOURCE,
  thresholdAmount,
  type EvictionSignal,
  type EvictionThreshold,
} from './thresholds.js';
export { EVICTED_REASON, evictedPodStatus, isEvicted } from './evicted-status.js';
