/**
 * One prom-client Registry per component (never the global one), so tests can
 * run several components in one process. Metric names follow Kubernetes'
 * where one exists.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A component's registry, with process metrics and a `component` default label. */
export function createMetricsRegistry(component: string, withProcessMetrics = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  if (withProcessMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Serves the registry in the Prometheus text format (for a component's `/metrics`). */
export async function serveMetrics(registry: Registry, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType });
  res.end(body);
}

/**
 * `skiff_pod_lifecycle_phase_duration_seconds{phase}`: each component observes
 * the lifecycle phases it completes (see LIFECYCLE_PHASES in @skiff/api).
 * A {@link FastHistogram}: the scheduler observes three phases per pod.
 */
export function lifecyclePhaseHistogram(registry: Registry): FastHistogram<'phase'> {
  return new FastHistogram({
    name: 'skiff_pod_lifecycle_phase_duration_seconds',
    help: 'Duration of each phase of a pod lifecycle (delivery_to_scheduler, scheduling, binding, delivery_to_kubelet, container_start, readiness).',
    labelNames: ['phase'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
