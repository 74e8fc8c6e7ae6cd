/**
 * Metrics of the NATS bus as each component sees it, through prom-client in the component's
 * own registry: what its connection sends and receives, and what its informers get from the
 * events stream (events delivered or dropped, how long after being stored, how many wait in
 * the consumer, redeliveries, re-lists). nats-server's own monitoring endpoint serves JSON,
 * not Prometheus; these need no exporter next to it.
 *
 * A component instruments its connection once ({@link instrumentNatsConnection}); everything
 * built on that connection (the informer) finds the metrics with {@link natsMetricsOf}, so no
 * component has to thread a registry through to its informers.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The statistics a NATS connection keeps (`NatsConnection.stats()` of nats.js). */
export interface NatsConnectionStats {
  inBytes: number;
  outBytes: number;
  inMsgs: number;
  outMsgs: number;
}

/** What {@link instrumentNatsConnection} needs of a connection. */
export interface NatsStatsSource {
  stats(): NatsConnectionStats;
}

/** One event the informer took from the events stream. */
export interface ConsumedEvent {
  /** The resource the informer follows (`pods`). */
  resource: string;
  /** False when dropped as stale, a duplicate, or not of interest. */
  delivered: boolean;
  /** When the event was stored in the stream, in ms since the epoch. */
  storedAtMs: number;
  /** Messages still pending for the consumer when this one was delivered. */
  pending: number;
  redelivered: boolean;
}

/**
 * The `collect` of a counter by `direction` that follows two of the connection's statistics,
 * read at scrape time: it adds what they grew by since the last scrape.
 */
function followStats(
  connection: NatsStatsSource,
  inKey: keyof NatsConnectionStats,
  outKey: keyof NatsConnectionStats,
): (this: Counter<'direction'>) => void {
  let lastIn = 0;
  let lastOut = 0;
  return function collect(this: Counter<'direction'>): void {
    const stats = connection.stats();
    this.inc({ direction: 'in' }, Math.max(0, stats[inKey] - lastIn));
    this.inc({ direction: 'out' }, Math.max(0, stats[outKey] - lastOut));
    lastIn = Math.max(lastIn, stats[inKey]);
    lastOut = Math.max(lastOut, stats[outKey]);
  };
}

/** The bus metrics of one component. */
export class NatsMetrics {
  readonly #events: Counter<'resource' | 'result'>;
  readonly #delay: Histogram<'resource'>;
  readonly #pending: Gauge<'resource'>;
  readonly #redelivered: Counter<'resource'>;
  readonly #relists: Counter<'resource'>;

  constructor(registry: Registry, connection: NatsStatsSource) {
    new Counter({
      name: 'skiff_nats_client_messages_total',
      help: 'Messages this component sent (direction="out") and received (direction="in") on its NATS connection.',
      labelNames: ['direction'],
      registers: [registry],
      collect: followStats(connection, 'inMsgs', 'outMsgs'),
    });
    new Counter({
      name: 'skiff_nats_client_bytes_total',
      help: 'Payload bytes this component sent (direction="out") and received (direction="in") on its NATS connection.',
      labelNames: ['direction'],
      registers: [registry],
      collect: followStats(connection, 'inBytes', 'outBytes'),
    });
    this.#events = new Counter({
      name: 'skiff_informer_events_total',
      help: 'Events informers took from the events stream, by resource and result (delivered to handlers, or dropped as stale or not of interest).',
      labelNames: ['resource', 'result'],
      registers: [registry],
    });
    this.#delay = new Histogram({
      name: 'skiff_informer_event_delay_seconds',
      help: 'Time from an event being stored in the events stream to its delivery to the informer.',
      labelNames: ['resource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.#pending = new Gauge({
      name: 'skiff_informer_consumer_pending_events',
      help: "Events waiting in an informer's stream consumer when its last event was delivered (backlog).",
      labelNames: ['resource'],
      registers: [registry],
    });
    this.#redelivered = new Counter({
      name: 'skiff_informer_redelivered_events_total',
      help: 'Events the stream delivered to an informer more than once.',
      labelNames: ['resource'],
      registers: [registry],
    });
    this.#relists = new Counter({
      name: 'skiff_informer_relists_total',
      help: 'Times an informer listed again because it could not resume the events stream.',
      labelNames: ['resource'],
      registers: [registry],
    });
  }

  /** An informer for `resource` started: its series exist from now on, at zero. */
  informerStarted(resource: string): void {
    this.#events.inc({ resource, result: 'delivered' }, 0);
    this.#events.inc({ resource, result: 'dropped' }, 0);
    this.#redelivered.inc({ resource }, 0);
    this.#relists.inc({ resource }, 0);
    this.#pending.set({ resource }, 0);
  }

  /** Records one event taken from the stream. */
  eventConsumed(event: ConsumedEvent): void {
    const { resource } = event;
    this.#events.inc({ resource, result: event.delivered ? 'delivered' : 'dropped' });
    this.#delay.observe({ resource }, Math.max(0, Date.now() - event.storedAtMs) / 1000);
    this.#pending.set({ resource }, event.pending);
    if (event.redelivered) this.#redelivered.inc({ resource });
  }

  /** Records a re-list after the informer could not resume. */
  relisted(resource: string): void {
    this.#relists.inc({ resource });
  }
}

const byConnection = new WeakMap<object, NatsMetrics>();

/**
 * Registers the bus metrics of `connection` in `registry` (once per connection: a second call
 * returns the first one's metrics).
 */
export function instrumentNatsConnection(connection: NatsStatsSource, registry: Registry): NatsMetrics {
  const known = byConnection.get(connection);
  if (known !== undefined) return known;
  const metrics = new NatsMetrics(registry, connection);
  byConnection.set(connection, metrics);
  return metrics;
}

/** The bus metrics of an instrumented connection; undefined when nobody instrumented it. */
export function natsMetricsOf(connection: object): NatsMetrics | undefined {
  return byConnection.get(connection);
}
