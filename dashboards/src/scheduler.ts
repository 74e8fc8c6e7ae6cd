/**
 * The scheduler: attempts and their outcome, the queue, attempt latency and
 * the pod scheduling SLI (kube-scheduler's metric names), the lifecycle
 * phases it owns, and its process.
 */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { build, skiffDashboard, stat, timeseries } from './grafana.js';
import { processPanels } from './process.js';
import { quantile, RANGE, sumRate } from './promql.js';

const ATTEMPTS = 'scheduler_schedule_attempts_total';
const ATTEMPT_DURATION = 'scheduler_scheduling_attempt_duration_seconds';
const SLI = 'scheduler_pod_scheduling_sli_duration_seconds';

export function schedulerDashboard(): Dashboard {
  const dashboard = skiffDashboard(
    'skiff-scheduler',
    'Skiff / Scheduler',
    'Scheduling attempts, queue, latency and the pod scheduling SLI of the Skiff scheduler.',
  )
    .withRow(new RowBuilder('Throughput and outcome'))
    .withPanel(
      stat({
        title: 'Pods scheduled',
        description: "Successful scheduling attempts (pods bound) over the dashboard's time range.",
        unit: 'short',
        decimals: 0,
        queries: [{ expr: `sum(increase(${ATTEMPTS}{result="scheduled"}[${RANGE}]))`, instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Unschedulable attempts',
        description:
          "Attempts that found no node (each retried when a node or pod changes) over the dashboard's time range. No data: none happened since the scheduler started.",
        unit: 'short',
        decimals: 0,
        steps: [
          [null, 'green'],
          [1, 'orange'],
        ],
        queries: [{ expr: `sum(increase(${ATTEMPTS}{result="unschedulable"}[${RANGE}]))`, instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Pending pods',
        description: 'Pods waiting in the scheduling queue now, all sub-queues together.',
        unit: 'short',
        decimals: 0,
        queries: [{ expr: 'sum(scheduler_pending_pods)', instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Scheduling SLI p99',
        description: "99th percentile of the pod scheduling SLI (queue entry → bound, retries included) over the dashboard's time range.",
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.99, sum by (le) (increase(${SLI}_bucket[${RANGE}])))`, instant: true }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Scheduling attempts by result',
        description: 'Attempts per second: scheduled, unschedulable (no node fits) or error (the binding failed).',
        unit: 'ops',
        queries: [{ expr: sumRate(ATTEMPTS, ['result']), legend: '{{result}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pending pods by queue',
        description: 'Pods in the active, backoff and unschedulable sub-queues.',
        unit: 'short',
        stack: true,
        queries: [{ expr: 'sum by (queue) (scheduler_pending_pods)', legend: '{{queue}}' }],
      }),
    )
    .withRow(new RowBuilder('Latency'))
    .withPanel(
      timeseries({
        title: 'Attempt latency by result',
        description:
          'scheduler_scheduling_attempt_duration_seconds: the algorithm (filter and score over every node) plus handing off the binding.',
        unit: 's',
        queries: [
          { expr: quantile(0.5, ATTEMPT_DURATION, ['result']), legend: 'p50 {{result}}' },
          { expr: quantile(0.99, ATTEMPT_DURATION, ['result']), legend: 'p99 {{result}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pod scheduling SLI',
        description: 'scheduler_pod_scheduling_sli_duration_seconds: from the pod entering the queue to its binding, across every attempt.',
        unit: 's',
        queries: [
          { expr: quantile(0.5, SLI), legend: 'p50' },
          { expr: quantile(0.99, SLI), legend: 'p99' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pods scheduled by number of attempts',
        description: 'Pods bound per second, by how many attempts they took: many attempts mean pods waited for room.',
        unit: 'ops',
        queries: [{ expr: sumRate(`${SLI}_count`, ['attempts']), legend: '{{attempts}} attempt(s)' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Lifecycle phases owned by the scheduler, p99',
        description: 'delivery_to_scheduler (create → queued), scheduling (queued → decided) and binding (decided → bound).',
        unit: 's',
        queries: [
          { expr: quantile(0.99, 'skiff_pod_lifecycle_phase_duration_seconds', ['phase'], ['component="scheduler"']), legend: '{{phase}}' },
        ],
      }),
    )
    .withRow(new RowBuilder('Process'));
  for (const panel of processPanels('component="scheduler"')) dashboard.withPanel(panel);
  return build(dashboard);
}
