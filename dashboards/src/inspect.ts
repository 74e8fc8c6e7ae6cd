/**
 * Reads a dashboard model back: the PromQL of every panel and query
 * variable, the metric names and template variables an expression uses.
 * The dashboards' tests use it to check each query against what Skiff
 * exports and to evaluate it on a live Prometheus.
 *
 * `metricNames` is a small lexer, not a PromQL parser: it drops string
 * literals, label matchers, ranges and grouping clauses, then takes every
 * identifier that is not a function call, keyword or part of a number.
 */
import { VariableType, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/** One PromQL expression of a dashboard, and where it is. */
export interface DashboardQuery {
  /** `<panel title> [<refId>]`, or `variable <name>`. */
  where: string;
  panel?: string;
  refId?: string;
  expr: string;
}

/** Grafana's built-in variables a PromQL query may use. */
export const BUILTIN_VARIABLES = new Set([
  '__interval',
  '__interval_ms',
  '__rate_interval',
  '__rate_interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
]);

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

interface PanelLike {
  title?: string;
  targets?: Array<{ refId?: string; expr?: string }>;
  panels?: PanelLike[];
}

/** Every panel, rows' nested panels included. */
function panelsOf(panels: PanelLike[] | undefined): PanelLike[] {
  return (panels ?? []).flatMap((p) => [p, ...panelsOf(p.panels)]);
}

/** The PromQL of every panel target, in layout order. */
export function panelQueries(dashboard: Dashboard): DashboardQuery[] {
  return panelsOf(dashboard.panels as PanelLike[] | undefined).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => typeof t.expr === 'string')
      .map((t) => ({ where: `${p.title ?? ''} [${t.refId ?? ''}]`, panel: p.title ?? '', refId: t.refId ?? '', expr: t.expr ?? '' })),
  );
}

/** The PromQL inside each query variable's `label_values(<expr>, <label>)` (or its whole query). */
export function variableQueries(dashboard: Dashboard): DashboardQuery[] {
  return (dashboard.templating?.list ?? [])
    .filter((v) => v.type === VariableType.Query)
    .map((v) => {
      const query = typeof v.query === 'string' ? v.query : '';
      const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query.trim());
      return { where: `variable ${v.name}`, expr: m?.[1] ?? query };
    });
}

/** The names of the dashboard's template variables. */
export function definedVariables(dashboard: Dashboard): string[] {
  return (dashboard.templating?.list ?? []).map((v) => v.name);
}

const VARIABLE = /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]/g;

/** Template variables an expression uses (`$x`, `${x}`, `${x:fmt}`, `[[x]]`), built-ins included. */
export function referencedVariables(expr: string): string[] {
  return [...new Set([...expr.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? m[3] ?? ''))];
}

/** The expression with each variable replaced by `values[name]`; throws on a variable without a value. */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE, (_all, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable $${name} in ${expr}`);
    return value;
  });
}

/** The metric names an expression selects. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}
