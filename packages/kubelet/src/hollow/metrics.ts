/**
 * The hollow fleet's metrics, in the component's registry. Kubernetes' names
 * where the meaning is the same (`kubelet_running_pods`,
 * `kubelet_pod_start_sli_duration_seconds`, summed over the fleet);
 * `skiff_hollow_*` for what only a fleet has.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HeartbeatMethod } from './heartbeat.js';

/** Live values the gauges read when scraped. */
export interface HollowMetricSources {
  registeredNodes(): number;
  runningPods(): number;
  /** Age in seconds of the oldest "newest heartbeat" across registered nodes. */
  maxHeartbeatAgeSeconds(): number;
}

export class HollowMetrics {
  readonly heartbeatDuration: Histogram<'method'>;
  readonly heartbeatFailures: Counter<'method'>;
  /** Time between two successful heartbeats of one node. */
  readonly heartbeatGap: Histogram<'method'>;
  readonly heartbeatsSkipped: Counter;
  readonly registrationDuration: Gauge;
  readonly podStartSli: Histogram;
  readonly podSyncFailures: Counter;

  constructor(registry: Registry, sources: HollowMetricSources) {
    this.heartbeatDuration = new Histogram({
      name: 'skiff_hollow_heartbeat_duration_seconds',
      help: 'Latency of one hollow node heartbeat (lease renewal or node status patch), by method.',
      labelNames: ['method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.heartbeatFailures = new Counter({
      name: 'skiff_hollow_heartbeat_failures_total',
      help: 'Hollow node heartbeats that failed (each is retried with backoff), by method.',
      labelNames: ['method'],
      registers: [registry],
    });
    this.heartbeatGap = new Histogram({
      name: 'skiff_hollow_heartbeat_interval_seconds',
      help: 'Time between two successful heartbeats of the same hollow node, by method.',
      labelNames: ['method'],
      buckets: [1, 2.5, 5, 9, 9.5, 10, 10.5, 11, 12, 15, 20, 30, 40, 60, 300],
      registers: [registry],
    });
    this.heartbeatsSkipped = new Counter({
      name: 'skiff_hollow_heartbeats_skipped_total',
      help: 'Heartbeats not started because the previous one of the same node was still in flight or waiting to retry.',
      registers: [registry],
    });
    this.registrationDuration = new Gauge({
      name: 'skiff_hollow_registration_duration_seconds',
      help: 'Time the fleet took to register every hollow node at start-up.',
      registers: [registry],
    });
    new Gauge({
      name: 'skiff_hollow_nodes_registered',
      help: 'Hollow nodes whose Node object is registered.',
      registers: [registry],
      collect() {
        this.set(sources.registeredNodes());
      },
    });
    new Gauge({
      name: 'skiff_hollow_heartbeat_age_max_seconds',
      help: 'Age of the oldest newest-heartbeat across registered hollow nodes (stays under the interval when every node keeps up).',
      registers: [registry],
      collect() {
        this.set(sources.maxHeartbeatAgeSeconds());
      },
    });
    new Gauge({
      name: 'kubelet_running_pods',
      help: 'Number of pods that have a running pod sandbox (summed over the hollow fleet)',
      registers: [registry],
      collect() {
        this.set(sources.runningPods());
      },
    });
    this.podStartSli = new Histogram({
      name: 'kubelet_pod_start_sli_duration_seconds',
      help: 'Duration in seconds to start a pod, excluding time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch',
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120],
      registers: [registry],
    });
    this.podSyncFailures = new Counter({
      name: 'skiff_hollow_pod_sync_failures_total',
      help: 'Hollow pod status writes or deletes that failed (each is retried with backoff).',
      registers: [registry],
    });
  }

  /** Records one heartbeat's outcome. */
  observeHeartbeat(method: HeartbeatMethod, seconds: number, ok: boolean): void {
    this.heartbeatDuration.observe({ method }, seconds);
    if (!ok) this.heartbeatFailures.inc({ method });
  }
}
