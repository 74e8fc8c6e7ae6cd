/**
 * The API server: traffic by verb, code and resource, error ratios, latency
 * of non-streaming requests (kube-apiserver's metric names: WATCH requests
 * are counted but not timed), open watches, the store revision the events
 * stream and the watch cache have reached, and the process.
 */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { build, heatmap, labelVariable, skiffDashboard, stat, timeseries } from './grafana.js';
import { processPanels } from './process.js';
import { quantile, RATE, sel, sumRate } from './promql.js';

const REQUESTS = 'apiserver_request_total';
const DURATION = 'apiserver_request_duration_seconds';
/** The dashboard's resource and verb variables, as matchers. */
const FILTER = ['resource=~"$resource"', 'verb=~"$verb"'];

/** Share of the filtered requests whose code matches `code` (0, not "no data", when there is none). */
function codeRatio(code: string): string {
  return `(${sumRate(REQUESTS, [], [`code=~"${code}"`, ...FILTER])} or vector(0)) / ${sumRate(REQUESTS, [], FILTER)}`;
}

export function apiserverDashboard(): Dashboard {
  const dashboard = skiffDashboard(
    'skiff-apiserver',
    'Skiff / API server',
    'Requests, errors and latency of the Skiff API server, its watches and how far the events stream and the watch cache have come.',
  )
    .withVariable(labelVariable('resource', 'Resource', REQUESTS))
    .withVariable(labelVariable('verb', 'Verb', REQUESTS))
    .withRow(new RowBuilder('Traffic and errors'))
    .withPanel(
      stat({
        title: 'Requests per second',
        description: 'All requests matching the resource and verb filters.',
        unit: 'reqps',
        queries: [{ expr: sumRate(REQUESTS, [], FILTER), instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Server errors (5xx)',
        description: 'Share of requests answered with a 5xx code.',
        unit: 'percentunit',
        decimals: 2,
        steps: [
          [null, 'green'],
          [0.001, 'orange'],
          [0.01, 'red'],
        ],
        queries: [{ expr: codeRatio('5..'), instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Client errors (4xx)',
        description: 'Share of requests answered with a 4xx code (404 before a create, 409 conflicts, 422 invalid objects).',
        unit: 'percentunit',
        decimals: 2,
        queries: [{ expr: codeRatio('4..'), instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Open watches',
        description: 'HTTP watches being served now (informers read the events stream over NATS and do not count here).',
        unit: 'short',
        decimals: 0,
        queries: [{ expr: 'sum(apiserver_longrunning_requests)', instant: true }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Requests by verb',
        description: 'Requests per second by Kubernetes verb (LIST and GET are both HTTP GET; WATCH is a GET with watch=true).',
        unit: 'reqps',
        queries: [{ expr: sumRate(REQUESTS, ['verb'], FILTER), legend: '{{verb}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Requests by code',
        description: 'Requests per second by HTTP status code.',
        unit: 'reqps',
        queries: [{ expr: sumRate(REQUESTS, ['code'], FILTER), legend: '{{code}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Requests by resource',
        description: 'Requests per second by resource and subresource.',
        unit: 'reqps',
        width: 24,
        queries: [{ expr: sumRate(REQUESTS, ['resource', 'subresource'], FILTER), legend: '{{resource}} {{subresource}}' }],
      }),
    )
    .withRow(new RowBuilder('Latency (non-streaming requests)'))
    .withPanel(
      timeseries({
        title: 'p99 by verb',
        description: '99th percentile of apiserver_request_duration_seconds by verb.',
        unit: 's',
        queries: [{ expr: quantile(0.99, DURATION, ['verb'], FILTER), legend: '{{verb}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'p50 by verb',
        description: 'Median of apiserver_request_duration_seconds by verb.',
        unit: 's',
        queries: [{ expr: quantile(0.5, DURATION, ['verb'], FILTER), legend: '{{verb}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Slowest resources, p99',
        description: 'The ten resources (with subresource) with the highest 99th percentile latency.',
        unit: 's',
        queries: [
          { expr: `topk(10, ${quantile(0.99, DURATION, ['resource', 'subresource'], FILTER)})`, legend: '{{resource}} {{subresource}}' },
        ],
      }),
    )
    .withPanel(
      heatmap({
        title: 'Latency distribution',
        description: 'Requests per latency bucket over time.',
        unit: 's',
        queries: [{ expr: `sum by (le) (increase(${DURATION}_bucket${sel(...FILTER)}[${RATE}]))`, legend: '{{le}}', format: 'heatmap' }],
      }),
    )
    .withRow(new RowBuilder('Watches and the store'))
    .withPanel(
      timeseries({
        title: 'Open watches by resource',
        description: 'HTTP watches being served, by resource.',
        unit: 'short',
        queries: [{ expr: 'sum by (resource) (apiserver_longrunning_requests{resource=~"$resource"})', legend: '{{resource}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Store writes per second',
        description: 'How fast the store revision published to the events stream grows: every create, update and delete is one revision.',
        unit: 'wps',
        queries: [{ expr: `sum by (instance) (deriv(skiff_apiserver_published_revision[${RATE}]))`, legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Events stream ahead of the watch cache',
        description:
          'Revisions published to the events stream minus revisions applied to the watch cache; both follow the store, so a lasting gap means one of them is behind.',
        unit: 'short',
        queries: [
          {
            expr: 'max by (instance) (skiff_apiserver_published_revision) - max by (instance) (skiff_apiserver_watch_cache_revision)',
            legend: '{{instance}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Process'));
  for (const panel of processPanels('component="apiserver"')) dashboard.withPanel(panel);
  return build(dashboard);
}
