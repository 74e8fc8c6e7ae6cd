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

/** Amount of one quantity in the scheduler's units: millicores for cpu, plain numbers otherwise. */
export function quantityValue(resource: string, quantity: string | number): number {
  return resource === 'cpu' ? milliCpu(quantity) : bytes(quantity);
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

function computePodResources(pod: Pod): PodResources {
  const requests = fold(pod, (r) => r);
  for (const [k, v] of requests) if (v === 0) requests.delete(k);
  const nonZero = fold(pod, withDefaults);
  return { requests, nonZeroMilliCpu: nonZero.get('cpu') ?? 0, nonZeroMemoryBytes: nonZero.get('memory') ?? 0 };
}
