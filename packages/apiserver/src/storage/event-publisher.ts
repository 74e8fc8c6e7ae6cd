/**
 * Publishes every committed change to the events stream, derived from the
 * store's own change stream, so a change committed just before an apiserver
 * died is still published by the next one.
 *
 * On start it reads the revision of the last published event and replays the
 * store from there. Each event goes to
 * `skiff.ev.<group>.<resource>.<shard>.<namespace>.<name>` with
 * `Nats-Msg-Id` = the revision, so JetStream drops the duplicates that a
 * replay or a second apiserver produces. After a failed publish the publisher
 * restarts from the last revision it knows was stored; consumers ignore an
 * event whose revision is not newer than what they hold for the object.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { EVENT_TYPE_HEADER, EVENTS_ROOT, EVENTS_STREAM, REVISION_HEADER, escapeToken, type KubeObject } from '@skiff/api';
import { SpanKind } from '@opentelemetry/api';
import {
  contextOfObject,
  isUnsampledTraceparent,
  startChildSpan,
  TRACEPARENT_ANNOTATION,
  traceparentOf,
  tracer,
  type Logger,
} from '@skiff/telemetry';
import { sharedPublishCoalescer, type PublishCoalescer, type Store, type StoreChange, type StoreWatch } from '@skiff/store';
import { objectJson } from './object-json.js';

/** How long the events stream keeps events (consumers older than this re-list). */
export const EVENTS_MAX_AGE_MS = 60 * 60 * 1000;
const MAX_IN_FLIGHT = 512;

const publishTracer = tracer('apiserver');

/** The events stream's configuration; created when missing. */
export async function ensureEventsStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(EVENTS_STREAM);
  } catch {
    await jsm.streams.add({
      name: EVENTS_STREAM,
      subjects: [`${EVENTS_ROOT}.>`],
      max_age: EVENTS_MAX_AGE_MS * 1_000_000,
      duplicate_window: 120 * 1_000_000_000,
    });
  }
}

/** The shard token of an object: a pod's node, otherwise none. */
export function shardOf(key: string, object: KubeObject): string {
  if (!key.startsWith('core.pods.')) return '';
  const spec = object['spec'] as { nodeName?: string } | undefined;
  return spec?.nodeName ?? '';
}

/** The event subject for a stored key (tokens are already escaped in the key). */
export function subjectForKey(key: string, object: KubeObject): string {
  const [group, resource, ns, name] = key.split('.');
  return `${EVENTS_ROOT}.${group ?? ''}.${resource ?? ''}.${escapeToken(shardOf(key, object))}.${ns ?? ''}.${name ?? ''}`;
}

/** The event body: the object with its resourceVersion set (its JSON shared with the HTTP watchers). */
export function eventBody(change: StoreChange): Uint8Array {
  // Buffer.from: small encodings come from Node's shared pool, not an ArrayBuffer each.
  return Buffer.from(objectJson(change), 'utf8');
}

/** Committed changes in revision order, from some revision on (the watch cache is one). */
export interface ChangeFeed {
  /** Every change up to this revision has been delivered; later ones will be. */
  readonly revision: number;
  subscribe(listener: (change: StoreChange) => void): () => void;
}

/** Changes the feed may deliver while the store replay catches up before the feed is given up. */
const MAX_HANDOFF_BUFFER = 100_000;

export class EventPublisher {
  private watch: StoreWatch | undefined;
  private stopped = false;
  private inFlight = new Map<number, Promise<PubAck | undefined>>();
  /** Highest revision known to be stored in the events stream with all before it. */
  private confirmed = 0;
  private highestAcked = 0;
  private restarting = false;
  private readonly queue: StoreChange[] = [];
  private draining = false;
  private readonly js: PublishCoalescer;
  private unsubscribe: (() => void) | undefined;
  private feedAbandoned = false;

  constructor(
    nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly onPublished?: (revision: number) => void,
    private readonly feed?: ChangeFeed,
  ) {
    this.js = sharedPublishCoalescer(nc);
  }

  /**
   * With a `feed` (the watch cache), the publisher replays the store only up to
   * the feed's revision and then takes the feed's changes, so each change is
   * read from the store and parsed once for the cache and the publisher.
   */
  static async create(
    nc: NatsConnection,
    store: Store,
    logger: Logger,
    onPublished?: (revision: number) => void,
    feed?: ChangeFeed,
  ): Promise<EventPublisher> {
    const jsm = await jetstreamManager(nc);
    await ensureEventsStream(jsm);
    return new EventPublisher(nc, jsm, store, logger, onPublished, feed);
  }

  /** Starts publishing from the last published revision. */
  async start(): Promise<void> {
    this.confirmed = await this.lastPublishedRevision();
    this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.watch?.stop();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** The revision in the newest event stored, 0 when none. */
  async lastPublishedRevision(): Promise<number> {
    const info = await this.jsm.streams.info(EVENTS_STREAM);
    if (info.state.messages === 0) return 0;
    const msg = await this.jsm.streams.getMessage(EVENTS_STREAM, { seq: info.state.last_seq });
    return Number(msg?.header?.get(REVISION_HEADER) ?? 0);
  }

  private follow(): void {
    const from = this.confirmed;
    const feed = this.feed;
    if (feed === undefined || this.feedAbandoned) {
      this.followStore(from, () => true);
      return;
    }
    // The cache delivers every change after `handoff`; the store replays what came before it.
    const handoff = feed.revision;
    const buffered: StoreChange[] = [];
    let live = false;
    let lastQueued = from;
    const goLive = (): void => {
      live = true;
      for (const change of buffered.splice(0)) if (change.revision > lastQueued) this.enqueue(change);
    };
    this.unsubscribe = feed.subscribe((change) => {
      if (live) this.enqueue(change);
      else if (buffered.push(change) > MAX_HANDOFF_BUFFER) this.abandonFeed();
    });
    if (from >= handoff) {
      goLive();
      return;
    }
    this.followStore(from, (change) => {
      if (live) return false;
      if (change.revision <= handoff) {
        lastQueued = change.revision;
        return true;
      }
      goLive();
      void this.watch?.stop();
      return false;
    });
  }

  /** Replays the store after `from`, queueing the changes `accept` takes. */
  private followStore(from: number, accept: (change: StoreChange) => boolean): void {
    this.watch = this.store.watch({ kind: 'after', revision: from }, (change) => {
      if (accept(change)) this.enqueue(change);
    });
    const watch = this.watch;
    watch.done.catch((err: unknown) => {
      if (!this.stopped && this.watch === watch) {
        this.logger.error({ err }, 'event publisher lost the store watch; restarting');
        void this.restart();
      }
    });
  }

  private enqueue(change: StoreChange): void {
    this.queue.push(change);
    void this.drain();
  }

  /** The replay never reached the cache's revision: publish from the store alone from now on. */
  private abandonFeed(): void {
    this.logger.warn('event publisher: the store replay did not reach the watch cache; following the store directly');
    this.feedAbandoned = true;
    void this.restart();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.restarting && !this.stopped) {
        if (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight.values());
        const change = this.queue.shift();
        if (change !== undefined) this.publish(change);
      }
    } finally {
      this.draining = false;
    }
  }

  private publish(change: StoreChange): void {
    const subject = subjectForKey(change.key, change.object);
    // Objects that carry a trace (pods) get a producer span in it, and its context travels in the header.
    // Under an unsampled traceparent no span would be recorded: the header is the object's traceparent itself.
    const carried = change.object.metadata?.annotations?.[TRACEPARENT_ANNOTATION];
    const unsampled = carried !== undefined && isUnsampledTraceparent(carried);
    const span =
      carried !== undefined && !unsampled
        ? startChildSpan(
            publishTracer,
            `publish ${change.type}`,
            {
              kind: SpanKind.PRODUCER,
              attributes: {
                'messaging.system': 'nats',
                'messaging.operation.type': 'publish',
                'messaging.destination.name': subject,
                'k8s.resource_version': change.revision,
              },
            },
            contextOfObject(change.object),
          )
        : undefined;
    const tp = unsampled ? carried : span === undefined ? undefined : traceparentOf(span);
    const h = { [REVISION_HEADER]: String(change.revision), [EVENT_TYPE_HEADER]: change.type, traceparent: tp };
    const pending = this.js
      .publish(subject, eventBody(change), { headers: h, msgID: String(change.revision) })
      .finally(() => span?.end())
      .then(
        (ack) => {
          this.inFlight.delete(change.revision);
          this.highestAcked = Math.max(this.highestAcked, change.revision);
          this.advance();
          return ack;
        },
        (err: unknown) => {
          this.inFlight.delete(change.revision);
          if (!this.stopped) {
            this.logger.warn({ err, revision: change.revision }, 'publishing an event failed; replaying from the last confirmed revision');
            void this.restart();
          }
          return undefined;
        },
      );
    this.inFlight.set(change.revision, pending);
  }

  /** Moves `confirmed` up to the newest acknowledged revision with nothing older still pending. */
  private advance(): void {
    let bound = this.highestAcked;
    for (const rev of this.inFlight.keys()) bound = Math.min(bound, rev - 1);
    const head = this.queue[0];
    if (head !== undefined) bound = Math.min(bound, head.revision - 1);
    if (bound > this.confirmed) {
      this.confirmed = bound;
      this.onPublished?.(bound);
    }
  }

  private async restart(): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.watch?.stop();
    await Promise.allSettled([...this.inFlight.values()]);
    this.inFlight.clear();
    this.queue.length = 0;
    this.highestAcked = this.confirmed;
    await new Promise((r) => setTimeout(r, 1000));
    this.restarting = false;
    if (this.stopped) return;
    try {
      this.confirmed = Math.max(this.confirmed, await this.lastPublishedRevision());
    } catch (err) {
      this.logger.warn({ err }, 'reading the last published revision failed');
    }
    this.follow();
  }
}
