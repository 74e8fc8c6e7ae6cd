/**
 * The framework's metrics with upstream's names: every extension point of every cycle, and
 * each plugin's time in 10% of cycles (as upstream samples it). For Filter and Score a plugin's
 * time is its total over all nodes of the cycle, observed once. Both are {@link FastHistogram}s
 * (several observations per pod): callers observe through `seriesOf(...)` in label order.
 */
import type { Registry } from 'prom-client';
import { FastHistogram } from '@skiff/telemetry';

const BUCKETS = [0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];

/** What fraction of cycles record per-plugin durations. */
export const PLUGIN_METRICS_SAMPLE_PERCENT = 10;

export class FrameworkMetrics {
  readonly extensionPoint: FastHistogram<'extension_point' | 'status' | 'profile'>;
  readonly plugin: FastHistogram<'plugin' | 'extension_point' | 'status'>;

  constructor(registry: Registry) {
    this.extensionPoint = new FastHistogram({
      name: 'scheduler_framework_extension_point_duration_seconds',
      help: 'Latency for running all plugins of a specific extension point.',
      labelNames: ['extension_point', 'status', 'profile'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.plugin = new FastHistogram({
      name: 'scheduler_plugin_execution_duration_seconds',
      help: 'Duration for running a plugin at a specific extension point.',
      labelNames: ['plugin', 'extension_point', 'status'],
      buckets: BUCKETS,
      registers: [registry],
    });
  }
}
