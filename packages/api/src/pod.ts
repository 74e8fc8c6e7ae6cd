/** Pod facts the scheduler, kubelet and printers all need. */
import { bytes, milliCpu } from './quantity.js';
import type { Container, Pod } from './types.js';

/** Kubernetes' scoring defaults for a container that requests nothing. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A pod's effective requests, as NodeResourcesFit computes them. */
export interface PodResourceRequests {
  milliCpu: number;
  memoryBytes: number;
  /** Requests for scoring, with defaults for containers that request nothing. */
  nonZeroMilliCpu: number;
  nonZeroMemoryBytes: number;
}

function containerRequest(c: Container, resource: 'cpu' | 'memory'): number | undefined {
  const q = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  if (q === undefined) return undefined;
  return resource === 'cpu' ? milliCpu(q) : bytes(q);
}

/**
 * Requests of a pod: the sum over app containers, raised to the largest init
 * container's request (init containers run one at a time), plus pod overhead.
 * A container with a limit but no request requests its limit, as defaulting does.
 */
export function podRequests(pod: Pod): PodResourceRequests {
  let cpu = 0;
  let mem = 0;
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const cc = containerRequest(c, 'cpu');
    const cm = containerRequest(c, 'memory');
    cpu += cc ?? 0;
    mem += cm ?? 0;
    nzCpu += cc ?? DEFAULT_MILLI_CPU_REQUEST;
    nzMem += cm ?? DEFAULT_MEMORY_REQUEST;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const cc = containerRequest(c, 'cpu') ?? 0;
    const cm = containerRequest(c, 'memory') ?? 0;
    cpu = Math.max(cpu, cc);
    mem = Math.max(mem, cm);
    nzCpu = Math.max(nzCpu, cc);
    nzMem = Math.max(nzMem, cm);
  }
  const overhead = pod.spec?.overhead;
  if (overhead !== undefined) {
    const oc = overhead['cpu'] === undefined ? 0 : milliCpu(overhead['cpu']);
    const om = overhead['memory'] === undefined ? 0 : bytes(overhead['memory']);
    cpu += oc;
    mem += om;
    nzCpu += oc;
    nzMem += om;
  }
  return { milliCpu: cpu, memoryBytes: mem, nonZeroMilliCpu: nzCpu, nonZeroMemoryBytes: nzMem };
}

/** A pod's Kubernetes QoS class. */
export type PodQosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/**
 * The QoS class Kubernetes assigns: BestEffort when no container (init containers included) requests or
 * limits anything; Guaranteed when every container limits cpu and memory with requests equal to the
 * limits (or absent); Burstable otherwise.
 */
export function podQosClass(pod: Pod): PodQosClass {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** True once a pod can no longer change phase. */
export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** `namespace/name` of an object, the key informers index by. */
export function namespacedName(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

/** The last second `nowTimestamp` formatted, and its text (a busy apiserver asks many times a second). */
let formattedSecond = NaN;
let formattedText = '';

/** An RFC 3339 timestamp with second precision, as Kubernetes writes `metav1.Time` (now, unless `date` is given). */
export function nowTimestamp(date?: Date): string {
  const second = Math.floor((date === undefined ? Date.now() : date.getTime()) / 1000);
  if (second !== formattedSecond) {
    formattedText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    formattedSecond = second;
  }
  return formattedText;
}
