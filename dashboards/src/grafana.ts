/**
 * The few shapes every Skiff dashboard is made of, on top of the Grafana
 * Foundation SDK's builders:
 * - every query goes to the Prometheus data source chosen in the dashboard's
 *   `datasource` variable (`${datasource}`), never to a fixed uid;
 * - a panel is a title, a description saying what it shows, a unit and its
 *   PromQL queries (refIds A, B, … in order);
 * - panel ids are numbered in layout order when the dashboard is built.
 * The dashboards' tests read the generated JSON back and evaluate every query
 * against a live cluster, so what is written here is what Grafana runs.
 */
import {
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as HeatmapPanel, YAxisConfigBuilder } from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

/** The data source of every panel and query variable: the dashboard's `datasource` variable. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** One PromQL query of a panel. */
export interface Query {
  expr: string;
  /** Grafana legend template (`{{phase}}`). */
  legend?: string;
  /** Evaluate at the end of the range only (stats, tables). */
  instant?: boolean;
  /** `heatmap` for bucket series drawn as a heatmap, `table` for table panels. */
  format?: 'heatmap' | 'table';
}

/** What every panel states. */
export interface PanelSpec {
  title: string;
  /** What the panel shows and how to read it (shown on hover in Grafana). */
  description: string;
  /** A Grafana unit id (`s`, `bytes`, `percentunit`, `reqps`, `suffix: cores`). */
  unit?: string;
  queries: Query[];
  /** Grid width out of 24 (default 12) and height in rows (default 8). */
  width?: number;
  height?: number;
}

/** A threshold step: from `value` on (null: from minus infinity), in `color`. */
export type Step = [value: number | null, color: string];

function target(q: Query, index: number): DataqueryBuilder {
  const t = new DataqueryBuilder().refId(String.fromCharCode(65 + index)).expr(q.expr);
  if (q.legend !== undefined) t.legendFormat(q.legend);
  if (q.instant === true) t.instant();
  if (q.format === 'heatmap') t.format(PromQueryFormat.Heatmap);
  if (q.format === 'table') t.format(PromQueryFormat.Table);
  return t;
}

function thresholds(steps: Step[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

interface CommonPanel<T> {
  title(title: string): T;
  description(description: string): T;
  datasource(ref: DataSourceRef): T;
  unit(unit: string): T;
  height(h: number): T;
  span(w: number): T;
  withTarget(target: DataqueryBuilder): T;
}

function common<T extends CommonPanel<T>>(panel: T, spec: PanelSpec): T {
  panel
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .height(spec.height ?? 8)
    .span(spec.width ?? 12);
  if (spec.unit !== undefined) panel.unit(spec.unit);
  spec.queries.forEach((q, i) => panel.withTarget(target(q, i)));
  return panel;
}

/** A graph over time; `stack` stacks the series (parts of a whole). */
export function timeseries(spec: PanelSpec & { stack?: boolean; min?: number; max?: number }): TimeseriesPanel {
  const panel = common(new TimeseriesPanel(), spec)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    .fillOpacity(spec.stack === true ? 40 : 10)
    .lineWidth(1);
  if (spec.stack === true) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

/** One big number (the last value), coloured by `steps`. */
export function stat(spec: PanelSpec & { steps?: Step[]; decimals?: number }): StatPanel {
  const panel = common(new StatPanel(), { width: 6, height: 5, ...spec }).reduceOptions(
    new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false),
  );
  if (spec.steps !== undefined) panel.thresholds(thresholds(spec.steps));
  if (spec.decimals !== undefined) panel.decimals(spec.decimals);
  return panel;
}

/** One bar per series (the last value), e.g. a ratio per node. */
export function barGauge(spec: PanelSpec & { steps?: Step[]; min?: number; max?: number }): BarGaugePanel {
  const panel = common(new BarGaugePanel(), spec).reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (spec.steps !== undefined) panel.thresholds(thresholds(spec.steps));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

/** A table of instant values, one row per series. */
export function table(spec: PanelSpec): TablePanel {
  return common(new TablePanel(), spec);
}

/** Histogram buckets over time as a heatmap (queries in the `heatmap` format); `unit` is the buckets' (y axis). */
export function heatmap(spec: PanelSpec): HeatmapPanel {
  const panel = common(new HeatmapPanel(), { ...spec, unit: undefined }).calculate(false);
  if (spec.unit !== undefined) panel.yAxis(new YAxisConfigBuilder().unit(spec.unit));
  return panel;
}

/** The `datasource` variable: any Prometheus data source. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/**
 * A multi-value variable over the values of `label` on `metric`, with "All"
 * (matching everything, `.*`); use it in selectors as `label=~"$name"`.
 */
export function labelVariable(name: string, label: string, metric: string, labelName: string = name): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(`label_values(${metric}, ${labelName})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/** A dashboard with Skiff's defaults: tags, last hour, 30 s refresh, the `datasource` variable. */
export function skiffDashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['skiff', 'generated'])
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .editable()
    .annotations([])
    .withVariable(datasourceVariable());
}

/** Builds the dashboard and numbers its panels in layout order. */
export function build(builder: DashboardBuilder): Dashboard {
  const dashboard = builder.build();
  (dashboard.panels ?? []).forEach((panel, i) => {
    panel.id = i + 1;
  });
  return dashboard;
}
