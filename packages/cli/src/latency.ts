/** The lifecycle breakdown `skiff pods latency` prints: a waterfall per pod and percentiles per phase. */
import { LIFECYCLE_PHASES, phaseDurations, podMilestones, type Pod } from '@skiff/api';

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

function ms(v: number): string {
  return Number.isNaN(v) ? '-' : `${v.toFixed(v < 10 ? 1 : 0)}ms`;
}

/** One line per pod: each phase as a bar segment scaled to `width` characters, then the total. */
export function waterfall(pods: readonly Pod[], width = 48): string[] {
  const lines: string[] = [];
  const symbols = ['q', 's', 'b', 'k', 'c', 'r'];
  const totals = pods.map((p) => phaseDurations(p).reduce((n, d) => n + d.ms, 0));
  const max = Math.max(1, ...totals);
  const nameWidth = Math.max(4, ...pods.map((p) => (p.metadata?.name ?? '').length));
  pods.forEach((pod, i) => {
    let bar = '';
    for (const d of phaseDurations(pod)) {
      const idx = LIFECYCLE_PHASES.findIndex((p) => p.phase === d.phase);
      bar += (symbols[idx] ?? '?').repeat(Math.round((d.ms / max) * width));
    }
    const known = Object.keys(podMilestones(pod)).length;
    lines.push(
      `${(pod.metadata?.name ?? '').padEnd(nameWidth)}  ${bar.padEnd(width)}  ${ms(totals[i] ?? NaN)}${known < 7 ? ` (${known}/7 milestones)` : ''}`,
    );
  });
  lines.push(`legend: ${LIFECYCLE_PHASES.map((p, i) => `${symbols[i] ?? '?'}=${p.phase}`).join(' ')}`);
  return lines;
}

/** A table of p50/p90/p99 per phase and for the whole create→ready time. */
export function phaseTable(pods: readonly Pod[]): string[] {
  const rows: Array<[string, number[]]> = LIFECYCLE_PHASES.map((p) => [p.phase, []]);
  const total: number[] = [];
  for (const pod of pods) {
    const d = phaseDurations(pod);
    for (const x of d) rows.find(([name]) => name === x.phase)?.[1].push(x.ms);
    const m = podMilestones(pod);
    if (m.created !== undefined && m.ready !== undefined) total.push(m.ready - m.created);
  }
  rows.push(['created→ready', total]);
  const out = [`${'PHASE'.padEnd(22)}${'N'.padStart(6)}${'P50'.padStart(10)}${'P90'.padStart(10)}${'P99'.padStart(10)}`];
  for (const [name, values] of rows) {
    const sorted = [...values].sort((a, b) => a - b);
    out.push(
      `${name.padEnd(22)}${String(sorted.length).padStart(6)}${ms(percentile(sorted, 50)).padStart(10)}${ms(percentile(sorted, 90)).padStart(10)}${ms(percentile(sorted, 99)).padStart(10)}`,
    );
  }
  return out;
}
