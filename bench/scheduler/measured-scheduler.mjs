// The scheduler under measurement, as `skiff scheduler` runs it (its own NATS
// connection without async stack traces, an ApiClient, writes over NATS unless
// asked otherwise), shared by the SchedulingBasic/variants suite and
// PreemptionAsync, with its attempt counters read from its own metrics.
import { connect } from '@nats-io/transport-node';
import { ApiClient } from '@skiff/client';
import { Scheduler } from '@skiff/scheduler';
import { createMetricsRegistry, silentLogger } from '@skiff/telemetry';

/**
 * Creates (does not start) a scheduler against the bench cluster.
 * Returns { scheduler, attempts(), stop() }: attempts() resolves to the pods it
 * bound (bind acknowledged) and the attempts that did not bind; stop() stops it
 * and drains its NATS connection.
 */
export async function measuredScheduler(cluster, { core, writes = 'nats' }) {
  const nc = await connect({ servers: cluster.natsUrl, name: 'skiff-scheduler', noAsyncTraces: true });
  const metrics = createMetricsRegistry('scheduler');
  const scheduler = new Scheduler({
    client: new ApiClient({ server: cluster.apiUrl, userAgent: 'skiff-scheduler' }),
    nc,
    logger: silentLogger(),
    metrics,
    core,
    writesOverNats: writes !== 'http',
  });
  return {
    scheduler,
    async attempts() {
      const values = (await metrics.getSingleMetric('scheduler_schedule_attempts_total').get()).values;
      let scheduled = 0;
      let failed = 0;
      for (const v of values) {
        if (v.labels.result === 'scheduled') scheduled += v.value;
        else failed += v.value;
      }
      return { scheduled, failed };
    },
    async stop() {
      await scheduler.stop();
      await nc.drain().catch(() => undefined);
    },
  };
}
