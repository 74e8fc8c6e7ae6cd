import { createRequire } from 'node:module';

import type { NodeResources, PodRequests, ScheduleResult, SchedulerCore } from './contract.js';

/**
 * The napi class `SchedulerCore` exported by `@skiff/scheduler-core`, as this wrapper uses
 * it. Declared here rather than imported from the package's generated `index.d.ts` (which is
 * gitignored and exists only after `napi build`), so this file type-checks before the native
 * build; the differential test keeps the two in step at run time.
 */
interface NativeBinding {
  upsertNode(node: NodeResources): void;
  removeNode(name: string): void;
  addPod(nodeName: string, requests: PodRequests): void;
  removePod(nodeName: string, requests: PodRequests): void;
  schedule(pod: PodRequests): ScheduleResult;
  scheduleInto(
    milliCpu: number,
    memoryBytes: number,
    nonZeroMilliCpu: number,
    nonZeroMemoryBytes: number,
    out: Float64Array,
  ): string | null;
  scoreAll(pod: PodRequests): Float64Array;
  nodeNames(): string[];
  readonly nodeCount: number;
}

/** The shape of the `@skiff/scheduler-core` module. */
interface NativeModule {
  SchedulerCore: new () => NativeBinding;
  /** How many numbers `scheduleInto` writes. */
  SCHEDULE_INTO_LENGTH: number;
}

let nativeModule: NativeModule | undefined;

/**
 * Loads `@skiff/scheduler-core` once (CommonJS, via `createRequire`). Throws when the addon
 * has not been built: run `npm run build --workspace native/scheduler-core`.
 */
function loadNativeModule(): NativeModule {
  nativeModule ??= createRequire(import.meta.url)('@skiff/scheduler-core') as NativeModule;
  return nativeModule;
}

/** True when the native addon loads on this machine (built, and built for this platform). */
export function isNativeSchedulerCoreAvailable(): boolean {
  try {
    loadNativeModule();
    return true;
  } catch {
    return false;
  }
}

/**
 * {@link SchedulerCore} backed by the Rust core (napi-rs). A thin wrapper: every call goes
 * straight to the native object, whose argument and result shapes are the contract's.
 *
 * One exception, for speed: `schedule` calls the native `scheduleInto`, which takes the pod's
 * four numbers as arguments and writes the numeric results into a Float64Array owned by this
 * wrapper; the result object is then built here. Reading an object argument and building a
 * nested result object through napi costs about 2-3 µs per call, more than scanning a few
 * hundred nodes; this path costs about 0.5 µs. The native `schedule` (object in, object out)
 * returns the same result and is checked against this path in the tests.
 */
export class NativeSchedulerCore implements SchedulerCore {
  readonly #native: NativeBinding;
  readonly #out: Float64Array;

  /** Throws when the native addon cannot be loaded (see {@link isNativeSchedulerCoreAvailable}). */
  constructor() {
    const { SchedulerCore: NativeClass, SCHEDULE_INTO_LENGTH } = loadNativeModule();
    this.#native = new NativeClass();
    this.#out = new Float64Array(SCHEDULE_INTO_LENGTH);
  }

  get nodeCount(): number {
    return this.#native.nodeCount;
  }

  upsertNode(node: NodeResources): void {
    this.#native.upsertNode(node);
  }

  removeNode(name: string): void {
    this.#native.removeNode(name);
  }

  addPod(nodeName: string, requests: PodRequests): void {
    this.#native.addPod(nodeName, requests);
  }

  removePod(nodeName: string, requests: PodRequests): void {
    this.#native.removePod(nodeName, requests);
  }

  schedule(pod: PodRequests): ScheduleResult {
    const out = this.#out;
    const nodeName = this.#native.scheduleInto(pod.milliCpu, pod.memoryBytes, pod.nonZeroMilliCpu, pod.nonZeroMemoryBytes, out);
    return {
      nodeName,
      score: out[0]!,
      feasibleNodes: out[1]!,
      reasons: {
        unschedulable: out[2]!,
        tooManyPods: out[3]!,
        insufficientCpu: out[4]!,
        insufficientMemory: out[5]!,
      },
    };
  }

  scoreAll(pod: PodRequests): Float64Array {
    return this.#native.scoreAll(pod);
  }

  nodeNames(): string[] {
    return this.#native.nodeNames();
  }
}
