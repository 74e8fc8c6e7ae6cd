/**
 * A Prometheus histogram for hot paths: callers resolve a label set once (`series(labels)`)
 * and then observe into it with no label validation, key building or lookup per call.
 *
 * prom-client's `Histogram.observe(labels, v)` validates the label names, hashes the label set
 * into a key string and looks it up on every call, which is a measurable share of the
 * scheduler's CPU at several observations per pod. This class keeps each series' bucket counts
 * in a `Float64Array` and is served by the component's prom-client `Registry` through its
 * public `registerMetric` (the registry asks a metric for `get()`, the same JSON shape
 * `Registry.getMetricsAsJSON()` returns, and for `reset()`).
 *
 * Contract: for the same name, help, label names, buckets and finite observations, the
 * registry's exposition is what prom-client's `Histogram` prints (series in the order their
 * label sets were first observed, `le` first, cumulative buckets, `+Inf`, `_sum`, `_count`);
 * `fast-histogram.test.ts` pins it. A label set appears once observed (a histogram without
 * labels always shows its one series); `reset()` zeroes every series and hides it again.
 * A non-finite observation is dropped (prom-client would throw).
 */
import type { Registry } from 'prom-client';

/** The metric object the registry serves (its `getMetricsAsJSON()` element shape). */
type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];
type Labels<L extends string> = Readonly<Record<L, string>>;

export interface FastHistogramConfiguration<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Upper bounds, ascending (`+Inf` is implied). */
  buckets: readonly number[];
  /** Registries that serve it (none: register it yourself). */
  registers?: readonly Registry[];
}

/** One label set of a {@link FastHistogram}: observe into it directly. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: Float64Array,
    private readonly firstObserved: (series: HistogramSeries) => void,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records `value` (dropped when not finite). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.count === 0) this.firstObserved(this);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** One exported sample; `sharedLabels` (the series' labels) only in the text-format view. */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

export class FastHistogram<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: Float64Array;
  /** Label-set key → series. */
  private readonly bySet = new Map<string, HistogramSeries>();
  /** `seriesOf`'s cache: first → second → third label value → series. */
  private readonly byValues = new Map<string, Map<string, Map<string, HistogramSeries>>>();
  /** The series observed since the last reset, in the order of their first observation (prom-client's order). */
  private observed: HistogramSeries[] = [];

  constructor(config: FastHistogramConfiguration<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames ?? [];
    this.bounds = Float64Array.from(config.buckets);
    for (let i = 1; i < this.bounds.length; i++) {
      if (!(this.bounds[i]! > this.bounds[i - 1]!)) throw new Error(`${this.name}: buckets must be ascending`);
    }
    if (this.labelNames.length === 0) this.observed.push(this.series({} as Labels<L>));
    // The registry's public entry for metrics it did not create; it reads name, get() and reset().
    for (const registry of config.registers ?? []) registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of `labels` (created on first use; keep it to observe without lookups). */
  series(labels: Labels<L>): HistogramSeries {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name as L)) throw new Error(`${this.name}: unknown label ${name}`);
    }
    const key = this.labelNames.map((n) => labels[n]).join('\u0000');
    let series = this.bySet.get(key);
    if (series === undefined) {
      const unlabelled = this.labelNames.length === 0;
      series = new HistogramSeries({ ...labels }, this.bounds, unlabelled ? () => undefined : (s) => this.observed.push(s));
      this.bySet.set(key, series);
    }
    return series;
  }

  /**
   * The series whose label values, in `labelNames` order, are `first`, `second`, `third`
   * (a histogram of up to three labels): found through nested maps, without building a key
   * or an object, for callers whose label values vary per call.
   */
  seriesOf(first = '', second = '', third = ''): HistogramSeries {
    const n = this.labelNames.length;
    let level1 = this.byValues.get(first);
    if (level1 === undefined) this.byValues.set(first, (level1 = new Map<string, Map<string, HistogramSeries>>()));
    let level2 = level1.get(second);
    if (level2 === undefined) level1.set(second, (level2 = new Map<string, HistogramSeries>()));
    let series = level2.get(third);
    if (series === undefined) {
      if (n > 3) throw new Error(`${this.name}: seriesOf serves histograms of up to three labels`);
      const values = [first, second, third];
      series = this.series(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])) as Labels<L>);
      level2.set(third, series);
    }
    return series;
  }

  /** prom-client's call shape, for cold paths: looks the series up every time. */
  observe(labels: Labels<L>, value: number): void {
    this.series(labels).observe(value);
  }

  /** Zeroes every series and hides the labelled ones until observed again (held series stay valid). */
  reset(): void {
    for (const series of this.bySet.values()) series.reset();
    if (this.labelNames.length > 0) this.observed = [];
  }

  /** The JSON view (`Registry.getMetricsAsJSON()`): `_bucket{le}`, `_sum` and `_count` of every observed series. */
  get(): Promise<MetricJson> {
    return Promise.resolve(this.snapshot(false));
  }

  /**
   * The text-format view the registry prefers when a metric has one (as prom-client's own
   * Histogram does): the series' labels as `sharedLabels`, so they print after default labels.
   */
  getForPromString(): Promise<MetricJson> {
    return Promise.resolve(this.snapshot(true));
  }

  private snapshot(shared: boolean): MetricJson {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    const sample = (series: HistogramSeries, le: number | string | undefined, value: number, metricName: string): Sample => {
      const labels: Record<string, string | number> = le === undefined ? {} : { le };
      if (shared) return { labels, sharedLabels: series.labels, value, metricName, ...(le === undefined ? {} : { exemplar: null }) };
      return { value, metricName, ...(le === undefined ? {} : { exemplar: null }), labels: Object.assign(labels, series.labels) };
    };
    for (const series of this.observed) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push(sample(series, this.bounds[i], cumulative, bucketName));
      }
      values.push(sample(series, '+Inf', series.count, bucketName));
      values.push(sample(series, undefined, series.sum, `${this.name}_sum`));
      values.push(sample(series, undefined, series.count, `${this.name}_count`));
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator } as unknown as MetricJson;
  }
}
