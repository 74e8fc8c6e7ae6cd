import type { SchedulerCore, SchedulerCoreKind } from './contract.js';
import { NativeSchedulerCore } from './native-core.js';
import { TsSchedulerCore } from './ts-core.js';

export { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, DEFAULT_SCORING_WEIGHTS, emptyScheduleReasons } from './contract.js';
export type {
  NodeResources,
  NodeSelectorTerm,
  NodeTaint,
  PodNodeAffinity,
  PodRequests,
  PodToleration,
  ScheduleReasons,
  ScheduleResult,
  SchedulerCore,
  SchedulerCoreKind,
  ScoringWeights,
} from './contract.js';
export { NativeSchedulerCore, isNativeSchedulerCoreAvailable } from './native-core.js';
export { TsSchedulerCore } from './ts-core.js';
export { measureCores } from './measure.js';
export type { CoreMeasurement, MeasuredCall, MeasureOptions } from './measure.js';

/**
 * Builds an empty scheduler core: `'native'` is the Rust core (throws if the addon is not
 * built), `'ts'` the TypeScript reference. Both implement the same contract.
 */
export function createSchedulerCore(kind: SchedulerCoreKind): SchedulerCore {
  switch (kind) {
    case 'native':
      return new NativeSchedulerCore();
    case 'ts':
      return new TsSchedulerCore();
    default: {
      const unknown: never = kind;
      throw new Error(`unknown scheduler core kind: ${String(unknown)}`);
    }
  }
}
