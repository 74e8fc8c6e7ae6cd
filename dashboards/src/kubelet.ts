/**
 * Kubelets and the processes on the node: running pods, pod syncs and their
 * latency, pod start per kubelet, the lifecycle phases the kubelet owns
 * (kubelet's metric names), then every Skiff process (`process_*` and
 * Node.js runtime metrics) with restarts and uptime.
 */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { build, labelVariable, skiffDashboard, stat, table, timeseries } from './grafana.js';
import { processPanels } from './process.js';
import { quantile, RANGE, sumRate } from './promql.js';

const WORKER = 'kubelet_pod_worker_duration_seconds';
const START_SLI = 'kubelet_pod_start_sli_duration_seconds';
const INSTANCE = 'instance=~"$instance"';
const COMPONENT = 'component=~"$component"';

export function kubeletDashboard(): Dashboard {
  const dashboard = skiffDashboard(
    'skiff-kubelet',
    'Skiff / Kubelet and node',
    'Pods on each kubelet, pod syncs and pod start, and the CPU, memory and runtime of every Skiff process.',
  )
    .withVariable(labelVariable('instance', 'Kubelet', 'kubelet_running_pods', 'instance'))
    .withVariable(labelVariable('component', 'Component', 'process_start_time_seconds', 'component'))
    .withRow(new RowBuilder('Kubelet'))
    .withPanel(
      stat({
        title: 'Running pods',
        description: 'Pods with at least one running container, summed over the selected kubelets.',
        unit: 'short',
        decimals: 0,
        queries: [{ expr: `sum(kubelet_running_pods{${INSTANCE}})`, instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Pod syncs',
        description: "Pod worker syncs over the dashboard's time range.",
        unit: 'short',
        decimals: 0,
        queries: [{ expr: `sum(increase(${WORKER}_count{${INSTANCE}}[${RANGE}]))`, instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Pod start p99',
        description: "99th percentile of the pod start SLI on the selected kubelets over the dashboard's time range.",
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.99, sum by (le) (increase(${START_SLI}_bucket{${INSTANCE}}[${RANGE}])))`, instant: true }],
      }),
    )
    .withPanel(
      stat({
        title: 'Kubelets reporting',
        description: 'Kubelets whose metrics are being scraped.',
        unit: 'short',
        decimals: 0,
        queries: [{ expr: `count(kubelet_running_pods{${INSTANCE}})`, instant: true }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Running pods per kubelet',
        description: 'Pods with at least one running container, per kubelet.',
        unit: 'short',
        queries: [{ expr: `sum by (instance) (kubelet_running_pods{${INSTANCE}})`, legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pod syncs by operation',
        description: 'Pod worker syncs per second by operation (create, update, sync).',
        unit: 'ops',
        queries: [{ expr: sumRate(`${WORKER}_count`, ['operation_type'], [INSTANCE]), legend: '{{operation_type}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pod sync duration by operation',
        description: 'kubelet_pod_worker_duration_seconds: one sync of one pod (cgroups, processes, status patch).',
        unit: 's',
        queries: [
          { expr: quantile(0.5, WORKER, ['operation_type'], [INSTANCE]), legend: 'p50 {{operation_type}}' },
          { expr: quantile(0.99, WORKER, ['operation_type'], [INSTANCE]), legend: 'p99 {{operation_type}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pod start SLI per kubelet',
        description: 'kubelet_pod_start_sli_duration_seconds: creation → all containers started and observed, per kubelet.',
        unit: 's',
        queries: [
          { expr: quantile(0.5, START_SLI, ['instance'], [INSTANCE]), legend: 'p50 {{instance}}' },
          { expr: quantile(0.99, START_SLI, ['instance'], [INSTANCE]), legend: 'p99 {{instance}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Lifecycle phases owned by the kubelet, p99',
        description: 'delivery_to_kubelet (bound → accepted), container_start (accepted → started) and readiness (started → Ready).',
        unit: 's',
        width: 24,
        queries: [
          {
            expr: quantile(0.99, 'skiff_pod_lifecycle_phase_duration_seconds', ['phase'], ['component="kubelet"', INSTANCE]),
            legend: '{{phase}}',
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Skiff processes'))
    .withPanel(
      stat({
        title: 'Restarts',
        description: "Process restarts over the dashboard's time range (`skiff up` restarts a component that dies).",
        unit: 'short',
        decimals: 0,
        steps: [
          [null, 'green'],
          [1, 'red'],
        ],
        queries: [{ expr: `sum(changes(process_start_time_seconds{${COMPONENT}}[${RANGE}]))`, instant: true }],
      }),
    )
    .withPanel(
      table({
        title: 'Uptime',
        description: 'Time since each process started.',
        unit: 's',
        width: 18,
        height: 5,
        queries: [
          { expr: `time() - max by (component, instance) (process_start_time_seconds{${COMPONENT}})`, instant: true, format: 'table' },
        ],
      }),
    );
  for (const panel of processPanels(COMPONENT)) dashboard.withPanel(panel);
  return build(dashboard);
}
