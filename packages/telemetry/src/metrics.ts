/**
 * One prom-client Registry per component (never the global one), so tests can
 * run several components in one process. Metric names follow Kubernetes'
 * where one exists.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
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
