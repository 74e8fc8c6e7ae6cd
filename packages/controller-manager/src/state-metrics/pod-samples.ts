/**
 * The samples kube-state-metrics derives from one pod, as plain data (label
 * values and a value), so the gauges only copy them. Semantics follow KSM v2:
 * - container requests and limits: one sample per app container and resource
 *   in its spec (init containers are not included), with the pod's node (`''`
 *   while unbound), whatever the pod's phase;
 * - phase: one sample per known phase, 1 for the pod's phase and 0 for the
 *   others; a pod with no phase yet has none;
 * - times in unix seconds (whole seconds, as Kubernetes stores them):
 *   scheduled is the transition time of `PodScheduled=True`, ready that of
 *   `Ready=True`, start is `status.startTime`; absent until they happen.
 */
import type { Pod } from '@skiff/api';
import { resourceSamples, type ResourceUnit } from './resources.js';

/** The phases KSM reports for every pod. */
export const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const;

export interface ContainerResourceSample {
  namespace: string;
  pod: string;
  container: string;
  node: string;
  resource: string;
  unit: ResourceUnit;
  value: number;
}

/** Requests or limits of each app container of a pod. */
export function containerResourceSamples(pod: Pod, kind: 'requests' | 'limits'): ContainerResourceSample[] {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const node = pod.spec?.nodeName ?? '';
  const out: ContainerResourceSample[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const s of resourceSamples(c.resources?.[kind])) out.push({ namespace, pod: name, container: c.name, node, ...s });
  }
  return out;
}

/** `kube_pod_status_phase` samples: 1 for the current phase, 0 for the others. */
export function phaseSamples(pod: Pod): Array<{ phase: string; value: number }> {
  const current = pod.status?.phase;
  if (current === undefined || current === '') return [];
  return POD_PHASES.map((phase) => ({ phase, value: phase === current ? 1 : 0 }));
}

function unixSeconds(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** When the condition of this type last became True, in unix seconds. */
export function conditionTrueSince(pod: Pod, type: 'PodScheduled' | 'Ready'): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === type);
  return c?.status === 'True' ? unixSeconds(c.lastTransitionTime) : undefined;
}

/** `status.startTime` in unix seconds. */
export function startTime(pod: Pod): number | undefined {
  return unixSeconds(pod.status?.startTime);
}
