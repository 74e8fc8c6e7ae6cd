/**
 * PromQL fragments the dashboards share. Every range is `$__rate_interval`
 * (Grafana's window that always spans at least four scrapes) or `$__range`
 * (the dashboard's time range, for totals over it).
 */

/** The window of rates and per-step increases. */
export const RATE = '$__rate_interval';
/** The dashboard's whole time range. */
export const RANGE = '$__range';

/** Matchers joined into a selector: `{a="1", b=~"x"}`, or nothing when there are none. */
export function sel(...matchers: Array<string | undefined>): string {
  const list = matchers.filter((m): m is string => m !== undefined && m !== '');
  return list.length === 0 ? '' : `{${list.join(', ')}}`;
}

/** `sum by (labels) (rate(metric{matchers}[window]))`; no labels: one total. */
export function sumRate(metric: string, by: string[] = [], matchers: string[] = [], window = RATE): string {
  return `${sumBy(by)}(rate(${metric}${sel(...matchers)}[${window}]))`;
}

/** The q-quantile of a classic histogram over `window`, per `by` labels. */
export function quantile(q: number, histogram: string, by: string[] = [], matchers: string[] = [], window = RATE): string {
  return `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (rate(${histogram}_bucket${sel(...matchers)}[${window}])))`;
}

/** The mean of a histogram over `window`, per `by` labels: rate of the sum over rate of the count. */
export function mean(histogram: string, by: string[] = [], matchers: string[] = [], window = RATE): string {
  return `${sumRate(`${histogram}_sum`, by, matchers, window)} / ${sumRate(`${histogram}_count`, by, matchers, window)}`;
}

function sumBy(by: string[]): string {
  return by.length === 0 ? 'sum' : `sum by (${by.join(', ')}) `;
}
