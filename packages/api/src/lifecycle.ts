/**
 * A pod's lifecycle milestones, recorded on the pod itself (one annotation per
 * milestone, millisecond timestamps) by whoever reaches them, so the breakdown
 * can be read with no tracing backend: `skiff pods latency`.
 */
import type { Pod } from './types.js';

/** The milestones in order. */
export const MILESTONES = ['created', 'queued', 'scheduled', 'bound', 'accepted', 'started', 'ready'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Annotation prefix: `lifecycle.skiff.dev/<milestone>`. */
export const MILESTONE_ANNOTATION_PREFIX = 'lifecycle.skiff.dev/';

/** The phases between consecutive milestones, named by what happens in them. */
export const LIFECYCLE_PHASES: ReadonlyArray<{ phase: string; from: Milestone; to: Milestone }> = [
  { phase: 'delivery_to_scheduler', from: 'created', to: 'queued' },
  { phase: 'scheduling', from: 'queued', to: 'scheduled' },
  { phase: 'binding', from: 'scheduled', to: 'bound' },
  { phase: 'delivery_to_kubelet', from: 'bound', to: 'accepted' },
  { phase: 'container_start', from: 'accepted', to: 'started' },
  { phase: 'readiness', from: 'started', to: 'ready' },
];

export function milestoneAnnotation(m: Milestone): string {
  return `${MILESTONE_ANNOTATION_PREFIX}${m}`;
}

/** An RFC 3339 timestamp with milliseconds. */
export function milestoneTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

/** The milestones a pod carries, in ms since the epoch. */
export function podMilestones(pod: Pod): Partial<Record<Milestone, number>> {
  const out: Partial<Record<Milestone, number>> = {};
  const annotations = pod.metadata?.annotations ?? {};
  for (const m of MILESTONES) {
    const v = annotations[milestoneAnnotation(m)];
    if (v !== undefined) {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) out[m] = t;
    }
  }
  return out;
}

/** Phase durations in ms for the phases whose two milestones are both known. */
export function phaseDurations(pod: Pod): Array<{ phase: string; ms: number }> {
  const m = podMilestones(pod);
  const out: Array<{ phase: string; ms: number }> = [];
  for (const p of LIFECYCLE_PHASES) {
    const from = m[p.from];
    const to = m[p.to];
    if (from !== undefined && to !== undefined) out.push({ phase: p.phase, ms: Math.max(0, to - from) });
  }
  return out;
}
