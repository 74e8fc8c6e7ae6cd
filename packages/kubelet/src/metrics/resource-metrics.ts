/**
 * The kubelet's `/metrics/resource` endpoint (what metrics-server scrapes), with upstream's series names and
 * labels, built at each scrape from the same cgroup statistics as /stats/summary:
 * - node_cpu_usage_seconds_total, node_memory_working_set_bytes (stats/node-usage.ts);
 * - pod_cpu_usage_seconds_total, pod_memory_working_set_bytes {namespace, pod};
 * - container_cpu_usage_seconds_total, container_memory_working_set_bytes, container_start_time_seconds
 *   {container, namespace, pod};
 * - scrape_error: 1 when the statistics could not be read, else 0.
 * Upstream stamps each sample with the time it was read; prom-client does not, so the scrape time applies.
 * Its own prom-client Registry (one per kubelet), not the component registry of /metrics.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { PodStatsSummary } from '../stats/summary.js';
import { readNodeUsage, type NodeUsage } from '../stats/node-usage.js';

/** Where the figures come from: the pods' summary (undefined: no statistics reader) and the node's usage. */
export interface ResourceMetricsSource {
  pods(): PodStatsSummary[] | undefined;
  node?: () => NodeUsage | undefined;
}

const CONTAINER_LABELS = ['container', 'namespace', 'pod'] as const;
const POD_LABELS = ['namespace', 'pod'] as const;

/** The registry served on /metrics/resource; every series is recomputed when it is collected. */
export function resourceMetricsRegistry(source: ResourceMetricsSource): Registry {
  const registry = new Registry();
  const readNode = source.node ?? readNodeUsage;
  let pods: PodStatsSummary[] = [];
  let failed = false;
  /** One read per scrape: the first series collected reads, the others reuse it. */
  let readAt = 0;
  const refresh = (): void => {
    const now = Date.now();
    if (now - readAt < 50) return;
    readAt = now;
    try {
      const read = source.pods();
      pods = read ?? [];
      failed = read === undefined;
    } catch {
      pods = [];
      failed = true;
    }
  };
  const nodeCpu = new Counter({
    name: 'node_cpu_usage_seconds_total',
    help: 'Cumulative cpu time consumed by the node in core-seconds',
    registers: [registry],
    collect: () => {
      const node = readNode();
      nodeCpu.reset();
      if (node !== undefined) nodeCpu.inc(node.cpuUsageSeconds);
      nodeMemory.reset();
      if (node !== undefined) nodeMemory.set(node.memoryWorkingSetBytes);
    },
  });
  const nodeMemory = new Gauge({
    name: 'node_memory_working_set_bytes',
    help: 'Current working set of the node in bytes',
    registers: [registry],
  });
  const podCpu = new Counter({
    name: 'pod_cpu_usage_seconds_total',
    help: 'Cumulative cpu time consumed by the pod in core-seconds',
    labelNames: POD_LABELS,
    registers: [registry],
    collect: () => {
      refresh();
      podCpu.reset();
      podMemory.reset();
      for (const p of pods) {
        const labels = { namespace: p.podRef.namespace, pod: p.podRef.name };
        podCpu.inc(labels, p.cpu.usageCoreNanoSeconds / 1e9);
        podMemory.set(labels, p.memory.workingSetBytes);
      }
    },
  });
  const podMemory = new Gauge({
    name: 'pod_memory_working_set_bytes',
    help: 'Current working set of the pod in bytes',
    labelNames: POD_LABELS,
    registers: [registry],
  });
  const containerCpu = new Counter({
    name: 'container_cpu_usage_seconds_total',
    help: 'Cumulative cpu time consumed by the container in core-seconds',
    labelNames: CONTAINER_LABELS,
    registers: [registry],
    collect: () => {
      refresh();
      containerCpu.reset();
      containerMemory.reset();
      containerStart.reset();
      for (const p of pods) {
        for (const c of p.containers) {
          const labels = { container: c.name, namespace: p.podRef.namespace, pod: p.podRef.name };
          containerCpu.inc(labels, c.cpu.usageCoreNanoSeconds / 1e9);
          containerMemory.set(labels, c.memory.workingSetBytes);
          containerStart.set(labels, Date.parse(c.startTime) / 1000);
        }
      }
    },
  });
  const containerMemory = new Gauge({
    name: 'container_memory_working_set_bytes',
    help: 'Current working set of the container in bytes',
    labelNames: CONTAINER_LABELS,
    registers: [registry],
  });
  const containerStart = new Gauge({
    name: 'container_start_time_seconds',
    help: 'Start time of the container since unix epoch in seconds',
    labelNames: CONTAINER_LABELS,
    registers: [registry],
  });
  const scrapeError = new Gauge({
    name: 'scrape_error',
    help: '1 if there was an error while getting container metrics, 0 otherwise',
    registers: [registry],
    collect: () => {
      refresh();
      scrapeError.set(failed ? 1 : 0);
    },
  });
  return registry;
}
