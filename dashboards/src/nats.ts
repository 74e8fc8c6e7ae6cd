/**
 * The NATS bus as the components see it: messages and bytes each component's connection
 * sends and receives, and what the informers take from the events stream (events delivered
 * or dropped, delay from the stream to the informer, consumer backlog, redeliveries and
 * re-lists). Built on Skiff's own client-side metrics (`skiff_nats_client_*`,
 * `skiff_informer_*`): nats-server's monitoring endpoint serves JSON, not Prometheus.
 */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { build, labelVariable, skiffDashboard, stat, timeseries } from './grafana.js';
import { quantile, RANGE, sel, sumRate } from './promql.js';

const MESSAGES = 'skiff_nats_client_messages_total';
const BYTES = 'skiff_nats_client_bytes_total';
const EVENTS = 'skiff_informer_events_total';
const DELAY = 'skiff_informer_event_delay_seconds';
const PENDING = 'skiff_informer_consumer_pending_events';
const REDELIVERED = 'skiff_informer_redelivered_events_total';
const RELISTS = 'skiff_informer_relists_total';
const COMPONENT = 'component=~"$component"';
const RESOURCE = 'resource=~"$resource"';

export function natsDashboard(): Dashboard {
  const dashboard = skiffDashboard(
    'skiff-nats',
    'Skiff / NATS bus',
    "Traffic on each component's NATS connection, and the events stream as the informers receive it: volume, delay, backlog, redeliveries and re-lists.",
  )
    .withVariable(labelVariable('component', 'Component', MESSAGES, 'component'))
    .withVariable(labelVariable('resource', 'Resource', EVENTS, 'resource'))
    .withRow(new RowBuilder('Traffic'))
    .withPanel(
      stat({
        title: 'Messages per second',
        description: 'Messages sent and received per second on the selected components’ NATS connections, together.',
        unit: 'short',
        queries: [{ expr: sumRate(MESSAGES, [], [COMPONENT]), instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Events delivered',
        description: "Events the selected informers delivered to their handlers over the dashboard's time range.",
        unit: 'short',
        decimals: 0,
        queries: [{ expr: `sum(increase(${EVENTS}${sel(COMPONENT, RESOURCE, 'result="delivered"')}[${RANGE}]))`, instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Event delay p99',
        description:
          "99th percentile of the time from an event being stored in the events stream to its informer, over the dashboard's time range.",
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (le) (increase(${DELAY}_bucket${sel(COMPONENT, RESOURCE)}[${RANGE}])))`,
            instant: true,
          },
        ],
      }),
    )
    .withPanel(
      stat({
        title: 'Consumer backlog',
        description:
          'Events waiting in the selected informers’ stream consumers when each last received one: lasting non-zero means an informer falls behind.',
        unit: 'short',
        decimals: 0,
        steps: [
          [null, 'green'],
          [100, 'orange'],
          [1000, 'red'],
        ],
        queries: [{ expr: `sum(${PENDING}${sel(COMPONENT, RESOURCE)})`, instant: true }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Messages per second by component',
        description: 'Messages each component sent (out) and received (in) on its NATS connection.',
        unit: 'short',
        queries: [{ expr: sumRate(MESSAGES, ['component', 'direction'], [COMPONENT]), legend: '{{component}} {{direction}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Bytes per second by component',
        description: 'Payload bytes each component sent (out) and received (in) on its NATS connection.',
        unit: 'Bps',
        queries: [{ expr: sumRate(BYTES, ['component', 'direction'], [COMPONENT]), legend: '{{component}} {{direction}}' }],
      }),
    )
    .withRow(new RowBuilder('Events stream → informers'))
    .withPanel(
      timeseries({
        title: 'Events by informer and result',
        description:
          'Events per second each informer took from the stream: delivered to its handlers, or dropped (stale, a duplicate, or not of interest).',
        unit: 'short',
        queries: [
          {
            expr: sumRate(EVENTS, ['component', 'resource', 'result'], [COMPONENT, RESOURCE]),
            legend: '{{component}} {{resource}} {{result}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Event delay',
        description: 'Time from an event being stored in the events stream to its delivery to an informer: p50 and p99 per resource.',
        unit: 's',
        queries: [
          { expr: quantile(0.5, DELAY, ['resource'], [COMPONENT, RESOURCE]), legend: 'p50 {{resource}}' },
          { expr: quantile(0.99, DELAY, ['resource'], [COMPONENT, RESOURCE]), legend: 'p99 {{resource}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Consumer backlog by informer',
        description: 'Events waiting in each informer’s stream consumer when it last received one.',
        unit: 'short',
        queries: [{ expr: `max by (component, resource) (${PENDING}${sel(COMPONENT, RESOURCE)})`, legend: '{{component}} {{resource}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Redeliveries and re-lists',
        description:
          'Events the stream delivered again, and re-lists after an informer could not resume the stream (events aged out); both should stay at zero.',
        unit: 'short',
        queries: [
          {
            expr: sumRate(REDELIVERED, ['component', 'resource'], [COMPONENT, RESOURCE]),
            legend: 'redelivered {{component}} {{resource}}',
          },
          { expr: sumRate(RELISTS, ['component', 'resource'], [COMPONENT, RESOURCE]), legend: 're-lists {{component}} {{resource}}' },
        ],
      }),
    );
  return build(dashboard);
}
