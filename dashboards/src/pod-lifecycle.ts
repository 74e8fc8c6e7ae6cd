/**
 * Pod lifecycle latency: where the time from `create` to `Ready` goes, phase
 * by phase (`skiff_pod_lifecycle_phase_duration_seconds`, observed by the
 * scheduler and the kubelet, see docs/architecture.md), the kubelet's pod
 * start SLI, and the upstream pod startup SLO: 99% of pods start within 5 s.
 */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { build, heatmap, skiffDashboard, stat, table, timeseries } from './grafana.js';
import { mean, quantile, RANGE, RATE, sumRate } from './promql.js';

const PHASES = 'skiff_pod_lifecycle_phase_duration_seconds';
const START_SLI = 'kubelet_pod_start_sli_duration_seconds';
/** The SLO: this share of pods starts within SLO_SECONDS. */
const SLO_OBJECTIVE = 0.99;
const SLO_SECONDS = 5;
/** The 5 s bucket, as Prometheus 2 (`5`) and 3 (`5.0`) store its `le`. */
const WITHIN_SLO = `le=~"${SLO_SECONDS}|${SLO_SECONDS}\\\\.0"`;

/** Share of pods started within the SLO over `window`. */
function withinSlo(window: string): string {
  return `sum(increase(${START_SLI}_bucket{${WITHIN_SLO}}[${window}])) / sum(increase(${START_SLI}_count[${window}]))`;
}

export function podLifecycleDashboard(): Dashboard {
  return build(
    skiffDashboard(
      'skiff-pod-lifecycle',
      'Skiff / Pod lifecycle latency',
      'Create → Ready phase by phase, the kubelet pod start SLI and the pod startup SLO.',
    )
      .withRow(new RowBuilder('Create → Ready, phase by phase'))
      .withPanel(
        timeseries({
          title: 'p50 per phase',
          description:
            'Median duration of each lifecycle phase: delivery_to_scheduler, scheduling, binding (scheduler); delivery_to_kubelet, container_start, readiness (kubelet).',
          unit: 's',
          queries: [{ expr: quantile(0.5, PHASES, ['phase']), legend: '{{phase}}' }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'p99 per phase',
          description: '99th percentile of each lifecycle phase. A phase whose p99 departs from its p50 is where the tail comes from.',
          unit: 's',
          queries: [{ expr: quantile(0.99, PHASES, ['phase']), legend: '{{phase}}' }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Mean time per phase (stacked: create → Ready)',
          description: 'Mean duration of each phase, stacked: the top of the stack is the mean time from create to Ready.',
          unit: 's',
          stack: true,
          queries: [{ expr: mean(PHASES, ['phase']), legend: '{{phase}}' }],
        }),
      )
      .withPanel(
        timeseries({
          title: 'Phases completed per second',
          description: 'Pods completing each phase per second: the lifecycle throughput.',
          unit: 'ops',
          queries: [{ expr: sumRate(`${PHASES}_count`, ['phase']), legend: '{{phase}}' }],
        }),
      )
      .withRow(new RowBuilder('Pod start SLI (kubelet)'))
      .withPanel(
        timeseries({
          title: 'Pod start SLI: p50, p90, p99',
          description:
            'kubelet_pod_start_sli_duration_seconds: from the pod creation timestamp to all its containers reported started and observed, excluding image pulls and init containers.',
          unit: 's',
          queries: [
            { expr: quantile(0.5, START_SLI), legend: 'p50' },
            { expr: quantile(0.9, START_SLI), legend: 'p90' },
            { expr: quantile(0.99, START_SLI), legend: 'p99' },
          ],
        }),
      )
      .withPanel(
        heatmap({
          title: 'Pod start SLI distribution',
          description: 'Pods started per SLI bucket over time.',
          unit: 's',
          queries: [{ expr: `sum by (le) (increase(${START_SLI}_bucket[${RATE}]))`, legend: '{{le}}', format: 'heatmap' }],
        }),
      )
      .withRow(new RowBuilder(`SLO: ${SLO_OBJECTIVE * 100}% of pods start within ${SLO_SECONDS} s`))
      .withPanel(
        stat({
          title: `Pods started within ${SLO_SECONDS} s`,
          description: `Share of pods whose start SLI was at most ${SLO_SECONDS} s over the dashboard's time range. Objective: ${SLO_OBJECTIVE * 100}%.`,
          unit: 'percentunit',
          decimals: 2,
          steps: [
            [null, 'red'],
            [SLO_OBJECTIVE, 'green'],
          ],
          queries: [{ expr: withinSlo(RANGE), instant: true }],
        }),
      )
      .withPanel(
        stat({
          title: 'Error budget left',
          description: `The share of the error budget (${Math.round((1 - SLO_OBJECTIVE) * 100)}% of pods may start slower) not yet spent over the dashboard's time range; below 0 the SLO is missed.`,
          unit: 'percentunit',
          decimals: 1,
          steps: [
            [null, 'red'],
            [0, 'orange'],
            [0.5, 'green'],
          ],
          queries: [{ expr: `1 - (1 - (${withinSlo(RANGE)})) / ${(1 - SLO_OBJECTIVE).toFixed(2)}`, instant: true }],
        }),
      )
      .withPanel(
        stat({
          title: 'Pods started',
          description: "Pods whose start the kubelets measured over the dashboard's time range.",
          unit: 'short',
          decimals: 0,
          queries: [{ expr: `sum(increase(${START_SLI}_count[${RANGE}]))`, instant: true }],
        }),
      )
      .withPanel(
        stat({
          title: 'Pod start p99',
          description: "99th percentile of the pod start SLI over the dashboard's time range.",
          unit: 's',
          steps: [
            [null, 'green'],
            [SLO_SECONDS, 'red'],
          ],
          queries: [{ expr: `histogram_quantile(0.99, sum by (le) (increase(${START_SLI}_bucket[${RANGE}])))`, instant: true }],
        }),
      )
      .withPanel(
        timeseries({
          title: `Share of pods started within ${SLO_SECONDS} s, against the objective`,
          description: 'The SLI over a sliding window, with the objective as a line: dips below it spend the error budget.',
          unit: 'percentunit',
          max: 1,
          queries: [
            { expr: withinSlo(RATE), legend: `within ${SLO_SECONDS} s` },
            { expr: `vector(${SLO_OBJECTIVE})`, legend: 'objective' },
          ],
        }),
      )
      .withPanel(
        table({
          title: 'Slowest pods: scheduled → Ready',
          description:
            'The ten pods with the longest time from PodScheduled to Ready (kube_pod_status_ready_time − kube_pod_status_scheduled_time, whole seconds, from the controller-manager).',
          unit: 's',
          queries: [
            {
              expr: 'topk(10, max by (namespace, pod) (kube_pod_status_ready_time) - max by (namespace, pod) (kube_pod_status_scheduled_time))',
              instant: true,
              format: 'table',
            },
          ],
        }),
      ),
  );
}
