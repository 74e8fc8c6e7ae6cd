/**
 * Process panels for Skiff components. Every component's registry carries
 * prom-client's default process and Node.js metrics and a `component` label
 * (`apiserver`, `scheduler`, `controller-manager`, `kubelet`), so one set of
 * panels serves them all; `component` is a label matcher such as
 * `component="scheduler"` or `component=~"$component"`.
 */
import { timeseries, type PanelSpec } from './grafana.js';
import { RATE, sel } from './promql.js';

const BY = 'sum by (component, instance)';
const LEGEND = '{{component}} {{instance}}';

/** CPU, memory, heap, event loop lag, GC time and file descriptors of the matched components. */
export function processPanels(component: string): Array<ReturnType<typeof timeseries>> {
  const s = sel(component);
  const specs: PanelSpec[] = [
    {
      title: 'CPU',
      description: 'CPU time used per second (user + system), in cores.',
      unit: 'suffix: cores',
      queries: [{ expr: `${BY} (rate(process_cpu_seconds_total${s}[${RATE}]))`, legend: LEGEND }],
    },
    {
      title: 'Resident memory',
      description: 'Resident set size of the process.',
      unit: 'bytes',
      queries: [{ expr: `${BY} (process_resident_memory_bytes${s})`, legend: LEGEND }],
    },
    {
      title: 'JavaScript heap used',
      description: 'V8 heap in use; a steady climb across GCs is a leak.',
      unit: 'bytes',
      queries: [{ expr: `${BY} (nodejs_heap_size_used_bytes${s})`, legend: LEGEND }],
    },
    {
      title: 'Event loop lag p99',
      description: 'p99 delay of the event loop: how long ready work waits for the single JavaScript thread.',
      unit: 's',
      queries: [{ expr: `max by (component, instance) (nodejs_eventloop_lag_p99_seconds${s})`, legend: LEGEND }],
    },
    {
      title: 'Time in garbage collection',
      description: 'Share of wall time spent in GC pauses (seconds of GC per second).',
      unit: 'percentunit',
      queries: [{ expr: `${BY} (rate(nodejs_gc_duration_seconds_sum${s}[${RATE}]))`, legend: LEGEND }],
    },
    {
      title: 'Open file descriptors',
      description: 'Open file descriptors (sockets, log files, cgroup files).',
      unit: 'short',
      queries: [{ expr: `${BY} (process_open_fds${s})`, legend: LEGEND }],
    },
  ];
  return specs.map((spec) => timeseries({ ...spec, width: 8, min: 0 }));
}
