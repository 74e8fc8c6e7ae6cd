/** FastHistogram against prom-client's Histogram: the same observations print the same exposition. */
import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { FastHistogram } from '@skiff/telemetry';

const BUCKETS = [0.00001, 0.0001, 0.001, 0.01, 0.1, 1];
const SPEC = { name: 'demo_duration_seconds', help: 'A demo "histogram"\nwith escapes \\.', buckets: BUCKETS };

/** A registry with both kinds under different names, so one exposition can be compared to the other. */
function pair<L extends string>(labelNames: readonly L[], defaultLabels?: Record<string, string>) {
  const reference = new Registry();
  const fast = new Registry();
  if (defaultLabels !== undefined) {
    reference.setDefaultLabels(defaultLabels);
    fast.setDefaultLabels(defaultLabels);
  }
  const ref = new Histogram<L>({ ...SPEC, labelNames, registers: [reference] });
  const ours = new FastHistogram<L>({ ...SPEC, labelNames, registers: [fast] });
  return { reference, fast, ref, ours };
}

/** Deterministic pseudo-random durations across every bucket, including exact bounds and +Inf. */
function values(n: number): number[] {
  const out = [0, 0.00001, 0.001, 1, 1.5, 42];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push((x / 2147483648) ** 4 * 2);
  }
  return out;
}

describe('FastHistogram', () => {
  it('prints what prom-client prints for labelled series, in first-observed order, with default labels', async () => {
    const { reference, fast, ref, ours } = pair(['point', 'status'] as const, { component: 'scheduler' });
    const sets = [
      { point: 'Filter', status: 'Success' },
      { point: 'Score', status: 'Success' },
      { point: 'Filter', status: 'Unschedulable' },
      { point: 'we"ird\\', status: 'a\nb' },
    ];
    const held = sets.map((s) => ours.series(s));
    values(500).forEach((v, i) => {
      const k = (i * 7) % sets.length;
      ref.observe(sets[k]!, v);
      if (i % 2 === 0) held[k]!.observe(v);
      else ours.observe(sets[k]!, v);
    });
    expect(await fast.metrics()).toBe(await reference.metrics());
    expect(await fast.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('prints the one series of a histogram without labels even before any observation', async () => {
    const { reference, fast, ref, ours } = pair([]);
    expect(await fast.metrics()).toBe(await reference.metrics());
    for (const v of values(50)) {
      ref.observe(v);
      ours.series({}).observe(v);
    }
    expect(await fast.metrics()).toBe(await reference.metrics());
  });

  it('hides labelled series until observed and again after reset; held series stay usable', async () => {
    const { reference, fast, ref, ours } = pair(['phase'] as const);
    const binding = ours.series({ phase: 'binding' });
    expect(await fast.metrics()).toBe(await reference.metrics());
    binding.observe(0.002);
    ref.observe({ phase: 'binding' }, 0.002);
    expect(await fast.metrics()).toBe(await reference.metrics());
    fast.resetMetrics();
    reference.resetMetrics();
    expect(await fast.metrics()).toBe(await reference.metrics());
    binding.observe(0.5);
    ref.observe({ phase: 'binding' }, 0.5);
    expect(await fast.metrics()).toBe(await reference.metrics());
  });

  it('drops non-finite values and refuses unknown labels and unordered buckets', () => {
    const h = new FastHistogram({ ...SPEC, labelNames: ['a'] });
    const s = h.series({ a: 'x' });
    s.observe(Number.NaN);
    s.observe(Number.POSITIVE_INFINITY);
    expect(s.count).toBe(0);
    expect(() => h.series({ a: 'x', b: 'y' } as never)).toThrow(/unknown label b/);
    expect(() => new FastHistogram({ ...SPEC, buckets: [1, 0.5] })).toThrow(/ascending/);
  });

  it('finds a series by positional label values, the same one series() gives', () => {
    const h = new FastHistogram({ ...SPEC, labelNames: ['plugin', 'extension_point', 'status'] });
    const s = h.seriesOf('NodePorts', 'Filter', 'Success');
    expect(h.seriesOf('NodePorts', 'Filter', 'Success')).toBe(s);
    expect(h.series({ status: 'Success', plugin: 'NodePorts', extension_point: 'Filter' })).toBe(s);
    expect(s.labels).toEqual({ plugin: 'NodePorts', extension_point: 'Filter', status: 'Success' });
    expect(h.seriesOf('NodePorts', 'Filter', 'Error')).not.toBe(s);
  });

  it('is served by name like any registered metric', async () => {
    const registry = new Registry();
    const h = new FastHistogram({ ...SPEC, labelNames: ['a'], registers: [registry] });
    h.observe({ a: 'x' }, 0.003);
    const json = await registry.getSingleMetric(SPEC.name)?.get();
    const values = (json?.values ?? []) as Array<{ metricName?: string; value: number }>;
    expect(values.find((v) => v.metricName === `${SPEC.name}_count`)?.value).toBe(1);
    expect(await registry.metrics()).toContain(`${SPEC.name}_count{a="x"} 1`);
  });
});
