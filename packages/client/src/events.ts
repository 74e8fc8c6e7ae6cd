/**
 * Records core/v1 Events about objects, as `kubectl describe` shows them.
 *
 * As upstream's event broadcaster does, events wait in a bounded queue (1,000),
 * and an event that finds the queue full is dropped: events are best effort and
 * must never compete with the work they describe. They are written off the
 * caller's path, up to 8 at a time for different objects (a client over NATS
 * pipelines them on its one connection) and one at a time, in order, for each
 * object, so a scheduler placing thousands of pods a second keeps up with one
 * `Scheduled` event per pod instead of waiting a round trip for each.
 */
import { EVENTS, nowTimestamp, type Event, type KubeObject } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import type { ApiClient } from './api-client.js';

let lastTimestamp = 0n;

/** Wall-clock nanoseconds, strictly increasing in this process: upstream names events `<object>.<UnixNano in hex>`. */
function uniqueTimestamp(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  lastTimestamp = now > lastTimestamp ? now : lastTimestamp + 1n;
  return lastTimestamp;
}

/** Events waiting to be sent before new ones are dropped (upstream's broadcaster queue length). */
const MAX_QUEUED_EVENTS = 1000;
/** Event writes in flight at once. */
const MAX_IN_FLIGHT = 8;

export class EventRecorder {
  private readonly queue: Array<{ namespace: string; object: string; event: Event }> = [];
  /** The objects (namespace/name) with an event write under way. */
  private readonly writing = new Set<string>();
  private dropped = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly host?: string,
  ) {}

  /** Records an event; failures are logged, never thrown (events are best effort, as upstream). */
  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const meta = object.metadata ?? {};
    const namespace = meta.namespace !== undefined && meta.namespace !== '' ? meta.namespace : 'default';
    const now = nowTimestamp();
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${meta.name ?? 'object'}.${uniqueTimestamp().toString(16)}`,
        namespace,
      },
      involvedObject: {
        kind: object.kind,
        apiVersion: object.apiVersion,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      reason,
      message,
      type,
      source: this.host === undefined ? { component: this.component } : { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      if (this.dropped++ % 1000 === 0) this.logger.debug({ dropped: this.dropped, reason }, 'event queue full: dropping events');
      return;
    }
    this.queue.push({ namespace, object: `${namespace}/${meta.name ?? ''}`, event });
    this.send();
  }

  /** How many events were dropped because the queue was full. */
  get droppedEvents(): number {
    return this.dropped;
  }

  /** Starts writes for the oldest queued events of objects without one under way, up to MAX_IN_FLIGHT. */
  private send(): void {
    for (let k = 0; k < this.queue.length && this.writing.size < MAX_IN_FLIGHT;) {
      const next = this.queue[k]!;
      if (this.writing.has(next.object)) {
        k += 1;
        continue;
      }
      this.queue.splice(k, 1);
      this.writing.add(next.object);
      void this.client
        .createWithoutResult(EVENTS, next.namespace, next.event)
        .catch((err: unknown) => this.logger.debug({ err, reason: next.event.reason }, 'recording an event failed'))
        .finally(() => {
          this.writing.delete(next.object);
          this.send();
        });
    }
  }
}
