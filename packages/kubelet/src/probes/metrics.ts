/** The prober's metrics, upstream's names and labels, in their own registry (served on /metrics/probes). */
import { Counter, Histogram, Registry } from 'prom-client';

export interface ProberMetrics {
  registry: Registry;
  total: Counter<'probe_type' | 'result' | 'container' | 'pod' | 'namespace'>;
  duration: Histogram<'probe_type' | 'container' | 'pod' | 'namespace'>;
}

export function proberMetrics(): ProberMetrics {
  const registry = new Registry();
  return {
    registry,
    total: new Counter({
      name: 'prober_probe_total',
      help: 'Cumulative number of a liveness, readiness or startup probe for a container by result.',
      labelNames: ['probe_type', 'result', 'container', 'pod', 'namespace'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'prober_probe_duration_seconds',
      help: 'Duration in seconds for a probe response.',
      labelNames: ['probe_type', 'container', 'pod', 'namespace'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
