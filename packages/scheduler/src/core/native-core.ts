import { createRequire } from 'node:module';

import { parseInteger, type RequirementLike } from '../plugins/node-selector.js';
import type {
  NodeResources,
  NodeSelectorTerm,
  NodeTaint,
  PodRequests,
  PodToleration,
  ScheduleResult,
  SchedulerCore,
  ScoringWeights,
} from './contract.js';

/**
 * The napi class `SchedulerCore` exported by `@skiff/scheduler-core`, as this wrapper uses
 * it. Declared here rather than imported from the package's generated `index.d.ts` (which is
 * gitignored and exists only after `napi build`), so this file type-checks before the native
 * build; the differential test keeps the two in step at run time.
 */
export interface NativeBinding {
  /** Returns the node's index in table order (a new node's is the old nodeCount). */
  upsertNode(node: NodeResources): number;
  /** Returns the index the node had, or -1 for an unknown name. */
  removeNode(name: string): number;
  addPod(nodeName: string, requests: PodRequests): void;
  addPodValues(nodeName: string, milliCpu: number, memoryBytes: number, nonZeroMilliCpu: number, nonZeroMemoryBytes: number): void;
  removePod(nodeName: string, requests: PodRequests): void;
  removePodValues(nodeName: string, milliCpu: number, memoryBytes: number, nonZeroMilliCpu: number, nonZeroMemoryBytes: number): void;
  schedule(pod: PodRequests): ScheduleResult;
  scheduleBatch(pods: PodRequests[]): ScheduleResult[];
  /** Writes `[score, feasibleNodes, ...reasons]` into `out`; returns the node's index or -1. */
  scheduleInto(milliCpu: number, memoryBytes: number, nonZeroMilliCpu: number, nonZeroMemoryBytes: number, out: Float64Array): number;
  /** 4 numbers per pod in, 7 per pod out (`[nodeIndex or -1, score, feasibleNodes, ...reasons]`). */
  scheduleBatchInto(pods: Float64Array, out: Float64Array): number;
  scoreAll(pod: PodRequests): Float64Array;
  configureScoring(
    leastAllocatedWeight: number,
    balancedAllocationWeight: number,
    taintTolerationWeight?: number,
    nodeAffinityWeight?: number,
  ): void;
  /** `[nameId, nameNumber, count, (key, value, number)*]` for the node at `index`. */
  setNodeLabels(index: number, labels: Float64Array): void;
  /** The flat node selector + node affinity of the pods scheduled from now on (`affinity.rs`). */
  setAffinity(affinity: Float64Array): void;
  /** Triples `[key, value, effect]` of interned ids for the node at `index`. */
  setNodeTaints(index: number, taints: Uint32Array): void;
  /** Triples `[key or 0, value or 0, effect or 0]` for the pods scheduled from now on. */
  setTolerations(tolerations: Uint32Array): void;
  nodeNames(): string[];
  readonly nodeCount: number;
  /** Which build of the scan loop runs: `'avx2'` or `'baseline'`. */
  readonly kernel: string;
}

/** The shape of the `@skiff/scheduler-core` module. */
interface NativeModule {
  SchedulerCore: new () => NativeBinding;
  /** How many numbers `scheduleInto` writes. */
  SCHEDULE_INTO_LENGTH: number;
  /** How many numbers `scheduleBatchInto` reads per pod. */
  BATCH_POD_LENGTH: number;
  /** How many numbers `scheduleBatchInto` writes per pod. */
  BATCH_RESULT_LENGTH: number;
}

let nativeModule: NativeModule | undefined;

/** True when the pod has tolerations, a node selector or node affinity. */
function hasConstraints(pod: PodRequests): boolean {
  return (
    (pod.tolerations !== undefined && pod.tolerations.length > 0) ||
    (pod.nodeSelector !== undefined && Object.keys(pod.nodeSelector).length > 0) ||
    pod.nodeAffinity !== undefined
  );
}

/** The native core's effect codes (`taints.rs`); other effects are left out. */
const EFFECT_CODES: ReadonlyMap<string, number> = new Map([
  ['NoSchedule', 1],
  ['PreferNoSchedule', 2],
  ['NoExecute', 3],
]);

const NO_TOLERATIONS = new Uint32Array(0);
const NO_AFFINITY = new Float64Array(0);

/** Requirement operator codes of `affinity.rs`; an unknown operator never matches (0). */
const OPERATOR_CODES: ReadonlyMap<string, number> = new Map([
  ['In', 1],
  ['NotIn', 2],
  ['Exists', 3],
  ['DoesNotExist', 4],
  ['Gt', 5],
  ['Lt', 6],
]);

function isEmpty(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return false;
  return true;
}

/** True when both hold the same numbers in the same order. */
function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A Gt/Lt operand or label value as a number, NaN when it is not an integer. */
function integerOrNaN(text: string): number {
  return parseInteger(text) ?? Number.NaN;
}

/**
 * Interns taint and toleration strings to ids >= 1 for the native core, which compares ids
 * only. Keys and values share one table; it only grows (the distinct keys and values of a
 * cluster's taints and pods' tolerations are few).
 */
class Interner {
  readonly #ids = new Map<string, number>();

  id(text: string): number {
    let id = this.#ids.get(text);
    if (id === undefined) {
      id = this.#ids.size + 1;
      this.#ids.set(text, id);
    }
    return id;
  }

  /** A node's taints as triples; taints with an effect the core ignores are left out. */
  taints(taints: readonly NodeTaint[] | undefined): Uint32Array {
    const out: number[] = [];
    for (const t of taints ?? []) {
      const effect = EFFECT_CODES.get(t.effect);
      if (effect !== undefined) out.push(this.id(t.key), this.id(t.value ?? ''), effect);
    }
    return Uint32Array.from(out);
  }

  /**
   * A pod's tolerations as triples with 0 for "any": an empty key, operator Exists, an empty
   * effect. A toleration that can match no taint the core keeps (an unknown operator or
   * effect) is left out.
   */
  tolerations(tolerations: readonly PodToleration[] | undefined): Uint32Array {
    if (tolerations === undefined || tolerations.length === 0) return NO_TOLERATIONS;
    const out: number[] = [];
    for (const t of tolerations) {
      const effect = t.effect === undefined || t.effect === '' ? 0 : EFFECT_CODES.get(t.effect);
      const exists = t.operator === 'Exists';
      const equal = t.operator === undefined || t.operator === '' || t.operator === 'Equal';
      if (effect === undefined || !(exists || equal)) continue;
      const key = t.key === undefined || t.key === '' ? 0 : this.id(t.key);
      out.push(key, exists ? 0 : this.id(t.value ?? ''), effect);
    }
    return Uint32Array.from(out);
  }

  /** A node's name and labels: `[nameId, nameNumber, count, (key, value, number)*]`. */
  labels(name: string, labels: Readonly<Record<string, string>> | undefined): Float64Array {
    const entries = Object.entries(labels ?? {});
    const out = [this.id(name), integerOrNaN(name), entries.length];
    for (const [k, v] of entries) out.push(this.id(k), this.id(v), integerOrNaN(v));
    return Float64Array.from(out);
  }

  /** A pod's node selector and node affinity in `affinity.rs`'s flat encoding. */
  affinity(pod: PodRequests): Float64Array {
    if (pod.nodeAffinity === undefined && (pod.nodeSelector === undefined || isEmpty(pod.nodeSelector))) return NO_AFFINITY;
    const selector = Object.entries(pod.nodeSelector ?? {});
    const required = pod.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const preferred = pod.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (selector.length === 0 && required === undefined && preferred.length === 0) return NO_AFFINITY;
    const out: number[] = [selector.length];
    for (const [k, v] of selector) out.push(this.id(k), this.id(v));
    out.push(required === undefined ? 0 : 1, required?.nodeSelectorTerms.length ?? 0);
    for (const term of required?.nodeSelectorTerms ?? []) this.#term(term, out);
    out.push(preferred.length);
    for (const { weight, preference } of preferred) {
      out.push(Math.trunc(weight));
      this.#term(preference, out);
    }
    return Float64Array.from(out);
  }

  /** `[count, (operator, field, key, valueCount, value*)*]`. */
  #term(term: NodeSelectorTerm, out: number[]): void {
    const expressions = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    out.push(expressions.length + fields.length);
    for (const r of expressions) this.#requirement(r, false, out);
    for (const r of fields) this.#requirement(r, true, out);
  }

  #requirement(r: RequirementLike, field: boolean, out: number[]): void {
    let operator = OPERATOR_CODES.get(r.operator) ?? 0;
    const values = r.values ?? [];
    let encoded: number[] = [];
    if (operator === 1 || operator === 2) encoded = values.map((v) => this.id(v));
    else if (operator === 5 || operator === 6) {
      const bound = values.length === 1 ? parseInteger(values[0]!) : undefined;
      if (bound === undefined) operator = 0;
      else encoded = [bound];
    }
    // matchFields knows only metadata.name.
    if (field && r.key !== 'metadata.name') operator = 0;
    out.push(operator, field ? 1 : 0, field ? 0 : this.id(r.key), encoded.length, ...encoded);
  }
}

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
 * {@link SchedulerCore} backed by the Rust core (napi-rs). A thin wrapper: the native object
 * holds the node table and does all the work; this class only shapes arguments and results.
 *
 * For speed, no string and no object crosses the boundary on the hot calls. The wrapper keeps
 * its own copy of the node names in table order (kept in step through the indices that the
 * native `upsertNode` and `removeNode` return), so `schedule` calls the native `scheduleInto`
 * with the pod's four numbers, gets the chosen node's index back and the numeric results in a
 * Float64Array owned by this wrapper, and builds the result object here. `scheduleBatch`
 * passes every pod in one Float64Array. `addPod`/`removePod` pass four numbers instead of an
 * object. Reading an object argument and building a nested result object through napi costs
 * about 2-3 µs per call, more than scanning thousands of nodes; these paths cost well under
 * 1 µs. The native object-in/object-out methods return the same results and are checked
 * against these paths in the tests.
 */
export class NativeSchedulerCore implements SchedulerCore {
  readonly #native: NativeBinding;
  readonly #out: Float64Array;
  readonly #podLength: number;
  readonly #resultLength: number;
  /** Node names in the native table's order. */
  readonly #names: string[] = [];
  readonly #interner = new Interner();
  /** The scoring weights the native core holds (NaN: not configured yet). */
  readonly #weights = new Float64Array(4).fill(Number.NaN);
  /** The tolerations the native core holds (a pod with the same ones needs no call: most pods carry the same defaults). */
  #tolerations: Uint32Array = NO_TOLERATIONS;
  /** The node selector and affinity the native core holds, likewise. */
  #affinity: Float64Array = NO_AFFINITY;

  /** Throws when the native addon cannot be loaded (see {@link isNativeSchedulerCoreAvailable}). */
  constructor() {
    const { SchedulerCore: NativeClass, SCHEDULE_INTO_LENGTH, BATCH_POD_LENGTH, BATCH_RESULT_LENGTH } = loadNativeModule();
    this.#native = new NativeClass();
    this.#out = new Float64Array(SCHEDULE_INTO_LENGTH);
    this.#podLength = BATCH_POD_LENGTH;
    this.#resultLength = BATCH_RESULT_LENGTH;
  }

  get nodeCount(): number {
    return this.#names.length;
  }

  /** Which build of the native scan loop this process runs: `'avx2'` or `'baseline'` (SSE2). */
  get kernel(): string {
    return this.#native.kernel;
  }

  upsertNode(node: NodeResources): void {
    const at = this.#native.upsertNode(node);
    if (at === this.#names.length) this.#names.push(node.name);
    this.#native.setNodeTaints(at, this.#interner.taints(node.taints));
    this.#native.setNodeLabels(at, this.#interner.labels(node.name, node.labels));
  }

  removeNode(name: string): void {
    const at = this.#native.removeNode(name);
    if (at < 0) return;
    // Swap-remove, as the native table did.
    const last = this.#names.pop()!;
    if (at < this.#names.length) this.#names[at] = last;
  }

  addPod(nodeName: string, requests: PodRequests): void {
    this.#native.addPodValues(nodeName, requests.milliCpu, requests.memoryBytes, requests.nonZeroMilliCpu, requests.nonZeroMemoryBytes);
  }

  removePod(nodeName: string, requests: PodRequests): void {
    this.#native.removePodValues(nodeName, requests.milliCpu, requests.memoryBytes, requests.nonZeroMilliCpu, requests.nonZeroMemoryBytes);
  }

  schedule(pod: PodRequests): ScheduleResult {
    this.#constrain(pod);
    const out = this.#out;
    const at = this.#native.scheduleInto(pod.milliCpu, pod.memoryBytes, pod.nonZeroMilliCpu, pod.nonZeroMemoryBytes, out);
    return this.#result(at, out, 0);
  }

  scheduleBatch(pods: readonly PodRequests[]): ScheduleResult[] {
    if (pods.some((pod) => hasConstraints(pod))) {
      // Tolerations and affinity are per pod: one call each, accounted as the batch would.
      return pods.map((pod) => {
        const result = this.schedule(pod);
        if (result.nodeName !== null) this.addPod(result.nodeName, pod);
        return result;
      });
    }
    this.#constrain(undefined);
    const podLength = this.#podLength;
    const resultLength = this.#resultLength;
    const input = new Float64Array(pods.length * podLength);
    for (let k = 0; k < pods.length; k++) {
      const pod = pods[k]!;
      const at = k * podLength;
      input[at] = pod.milliCpu;
      input[at + 1] = pod.memoryBytes;
      input[at + 2] = pod.nonZeroMilliCpu;
      input[at + 3] = pod.nonZeroMemoryBytes;
    }
    const out = new Float64Array(pods.length * resultLength);
    this.#native.scheduleBatchInto(input, out);
    const results: ScheduleResult[] = new Array<ScheduleResult>(pods.length);
    for (let k = 0; k < pods.length; k++) results[k] = this.#result(out[k * resultLength]!, out, k * resultLength + 1);
    return results;
  }

  configureScoring(weights: ScoringWeights): void {
    const w = this.#weights;
    const least = weights.leastAllocatedWeight;
    const balanced = weights.balancedAllocationWeight;
    const taints = weights.taintTolerationWeight ?? 0;
    const affinity = weights.nodeAffinityWeight ?? 0;
    // The framework configures the weights before every pod; the core keeps them, so a repeat needs no call.
    if (w[0] === least && w[1] === balanced && w[2] === taints && w[3] === affinity) return;
    this.#native.configureScoring(least, balanced, taints, affinity);
    w[0] = least;
    w[1] = balanced;
    w[2] = taints;
    w[3] = affinity;
  }

  scoreAll(pod: PodRequests): Float64Array {
    this.#constrain(pod);
    return this.#native.scoreAll(pod);
  }

  /**
   * Hands the pod's tolerations, node selector and node affinity to the native core (no call
   * when it has none and the core holds none).
   */
  #constrain(pod: PodRequests | undefined): void {
    const tolerations = this.#interner.tolerations(pod?.tolerations);
    if (!sameNumbers(tolerations, this.#tolerations)) {
      this.#native.setTolerations(tolerations);
      this.#tolerations = tolerations;
    }
    const affinity = pod === undefined ? NO_AFFINITY : this.#interner.affinity(pod);
    if (!sameNumbers(affinity, this.#affinity)) {
      this.#native.setAffinity(affinity);
      this.#affinity = affinity;
    }
  }

  nodeNames(): string[] {
    return [...this.#names];
  }

  /** A result from a node index (-1 for none) and eight numbers of `out` from `at`. */
  #result(index: number, out: Float64Array, at: number): ScheduleResult {
    return {
      nodeName: index < 0 ? null : this.#names[index]!,
      score: out[at]!,
      feasibleNodes: out[at + 1]!,
      reasons: {
        unschedulable: out[at + 2]!,
        tooManyPods: out[at + 3]!,
        insufficientCpu: out[at + 4]!,
        insufficientMemory: out[at + 5]!,
        untoleratedTaint: out[at + 6]!,
        nodeAffinity: out[at + 7]!,
      },
    };
  }
}
