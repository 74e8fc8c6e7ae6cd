/**
 * A pod's resource requests as NodeResourcesFit computes them (`resourcehelper.PodRequests`):
 * the sum over app containers and sidecars (init containers with `restartPolicy: Always`),
 * raised to the largest need while an init container runs (the init container's request plus
 * the sidecars started before it), plus pod overhead. A container with a limit but no request
 * requests its limit (as API defaulting does).
 */
import { bytes, milliCpu, type Container, type Pod } from '@skiff/api';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST } from '../core/contract.js';

/** Resource name → amount (cpu in millicores, everything else in units: bytes, counts). */
export type ResourceVector = Map<string, number>;

/** The pod's requests, real and for scoring. */
export interface PodResources {
  /** Real requests per resource (cpu in millicores); zero entries are dropped. */
  readonly requests: ResourceVector;
  /** cpu with the 100m per-container default (scoring). */
  readonly nonZeroMilliCpu: number;
  /** memory with the 200Mi per-container default (scoring). */
  readonly nonZeroMemoryBytes: number;
}

/** Parsed quantity strings (pods repeat a handful: `100m`, `128Mi`), per unit; emptied when full. */
const parsedCpu = new Map<string, number>();
const parsedOther = new Map<string, number>();
const MAX_PARSED = 4096;

/** Amount of one quantity in the scheduler's units: millicores for cpu, plain numbers otherwise. */
export function quantityValue(resource: string, quantity: string | number): number {
  const cpu = resource === 'cpu';
  if (typeof quantity === 'number') return cpu ? milliCpu(quantity) : bytes(quantity);
  const parsed = cpu ? parsedCpu : parsedOther;
  let value = parsed.get(quantity);
  if (value === undefined) {
    value = cpu ? milliCpu(quantity) : bytes(quantity);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(quantity, value);
  }
  return value;
}

function containerRequests(c: Container): ResourceVector {
  const out: ResourceVector = new Map();
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    const q = requests[name] ?? limits[name];
    if (q !== undefined) out.set(name, quantityValue(name, q));
  }
  return out;
}

/** Adds `b` into `a`. */
function addInto(a: ResourceVector, b: ResourceVector): void {
  for (const [k, v] of b) a.set(k, (a.get(k) ?? 0) + v);
}

/** Raises `a` to `b` per resource. */
function maxInto(a: ResourceVector, b: ResourceVector): void {
  for (const [k, v] of b) a.set(k, Math.max(a.get(k) ?? 0, v));
}

/** The fold shared by real and non-zero requests; `fill` may add defaults to each container. */
function fold(pod: Pod, fill: (r: ResourceVector) => ResourceVector): ResourceVector {
  const total: ResourceVector = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(total, fill(containerRequests(c)));
  const sidecars: ResourceVector = new Map();
  const initPeak: ResourceVector = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = fill(containerRequests(c));
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const running = new Map(sidecars);
      addInto(running, own);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  const overhead = pod.spec?.overhead ?? {};
  for (const [name, q] of Object.entries(overhead)) total.set(name, (total.get(name) ?? 0) + quantityValue(name, q));
  return total;
}

function withDefaults(r: ResourceVector): ResourceVector {
  if (!r.has('cpu')) r.set('cpu', DEFAULT_MILLI_CPU_REQUEST);
  if (!r.has('memory')) r.set('memory', DEFAULT_MEMORY_REQUEST);
  return r;
}

/**
 * {@link PodResources} per pod object. Informer objects are replaced on every
 * change, never edited, so one object's resources are computed once: a
 * scheduling cycle and the pod it then assumes share them.
 */
const resourcesOf = new WeakMap<Pod, PodResources>();

/** Computes {@link PodResources} for a pod (once per object; do not edit the pod or the result afterwards). */
export function podResources(pod: Pod): PodResources {
  let resources = resourcesOf.get(pod);
  if (resources === undefined) {
    resources = computePodResources(pod);
    resourcesOf.set(pod, resources);
  }
  return resources;
}

/**
 * {@link PodResources} of a pod without init containers or overhead (nearly every pod) in one
 * pass over its containers; the same result as the general fold, which stays for the rest
 * (resources.test.ts compares the two).
 */
function appContainersResources(containers: readonly Container[]): PodResources {
  const requests: ResourceVector = new Map();
  let nonZeroMilliCpu = 0;
  let nonZeroMemoryBytes = 0;
  for (const c of containers) {
    const own = c.resources?.requests;
    const limits = c.resources?.limits;
    let cpu: number | undefined;
    let memory: number | undefined;
    const count = (name: string, q: string | number): void => {
      const v = quantityValue(name, q);
      requests.set(name, (requests.get(name) ?? 0) + v);
      if (name === 'cpu') cpu = v;
      else if (name === 'memory') memory = v;
    };
    // As containerRequests: each name of the requests then of the limits once, the request preferred.
    if (own !== undefined) {
      for (const name of Object.keys(own)) {
        const q = own[name] ?? limits?.[name];
        if (q !== undefined) count(name, q);
      }
    }
    if (limits !== undefined) {
      for (const name of Object.keys(limits)) {
        const q = limits[name];
        if ((own === undefined || !Object.hasOwn(own, name)) && q !== undefined) count(name, q);
      }
    }
    nonZeroMilliCpu += cpu ?? DEFAULT_MILLI_CPU_REQUEST;
    nonZeroMemoryBytes += memory ?? DEFAULT_MEMORY_REQUEST;
  }
  for (const [k, v] of requests) if (v === 0) requests.delete(k);
  return { requests, nonZeroMilliCpu, nonZeroMemoryBytes };
}

/** The general computation (init containers, sidecars, overhead); exported as the reference in tests. */
export function computePodResources(pod: Pod): PodResources {
  const spec = pod.spec;
  if ((spec?.initContainers ?? []).length === 0 && spec?.overhead === undefined) return appContainersResources(spec?.containers ?? []);
  return foldPodResources(pod);
}

/** {@link PodResources} by the general fold, for any pod. */
export function foldPodResources(pod: Pod): PodResources {
  const requests = fold(pod, (r) => r);
  for (const [k, v] of requests) if (v === 0) requests.delete(k);
  const nonZero = fold(pod, withDefaults);
  return { requests, nonZeroMilliCpu: nonZero.get('cpu') ?? 0, nonZeroMemoryBytes: nonZero.get('memory') ?? 0 };
}
