/**
 * The informer: the one way components follow API objects.
 *
 * It lists through the apiserver, then consumes the events stream over NATS
 * from where the list left off, filtered on the server by subject (a kubelet
 * asks only for `skiff.ev.core.pods.<its node>.>`). Contract:
 * - Handlers see each object's changes in revision order, one call at a time;
 *   an event not newer than what the informer holds is dropped, so replays and
 *   duplicates are harmless.
 * - After a disconnect the NATS client resumes the ordered consumer from the
 *   last stream sequence seen. If the stream no longer holds that point (the
 *   events aged out), the informer re-lists and reports the difference
 *   (adds, updates, deletes), so it always ends with exactly the store's state.
 * - `synced` resolves after the first list is in; act only after it.
 * - Handlers must be quick: offload work to a queue.
 * - An event whose message carries a trace context (`traceparent`, set by the event
 *   publisher for pods) is delivered inside a consumer span of that trace
 *   (`process <filter subject>`); handlers see it as the active span, so work they
 *   start for the event can link to it.
 */
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamManager } from '@nats-io/jetstream';
import {
  EVENT_TYPE_HEADER,
  EVENTS_STREAM,
  eventFilterSubject,
  namespacedName,
  parseFieldSelector,
  parseLabelSelector,
  REVISION_HEADER,
  type FieldSelector,
  type KubeObject,
  type LabelSelector,
  type ResourceDescriptor,
} from '@skiff/api';
import { natsMetricsOf, type Logger } from '@skiff/telemetry';
import type { ApiClient } from './api-client.js';
import { TRACEPARENT_HEADER, withDeliverySpan } from './delivery-span.js';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  client: ApiClient;
  nc: NatsConnection;
  desc: ResourceDescriptor;
  logger: Logger;
  /** Only this namespace (filtered on the server). */
  namespace?: string;
  /** Only pods bound to this node (filtered on the server). */
  nodeName?: string;
  labelSelector?: string;
  /** Applied by the apiserver on list and by the informer on events. */
  fieldSelector?: string;
  handlers?: InformerHandlers<T>;
  /** Fields the field selector may name (the resource's supported set). */
  fieldSelectorPaths?: readonly string[];
}

const decoder = new TextDecoder();

/**
 * The event publisher's headers of one message, read in one pass over them (each `MsgHdrs.get`
 * builds two arrays; an informer reads three headers of every event). Keys match exactly, as
 * `get` does; absent headers read as revision 0, `MODIFIED` and no trace context.
 */
export function eventHeaders(headers: MsgHdrs | undefined): { revision: number; type: string; traceparent: string } {
  let revision = 0;
  let type = 'MODIFIED';
  let traceparent = '';
  if (headers !== undefined) {
    for (const [key, values] of headers) {
      const value = values[0];
      if (value === undefined) continue;
      if (key === REVISION_HEADER) revision = Number(value);
      else if (key === EVENT_TYPE_HEADER) type = value;
      else if (key === TRACEPARENT_HEADER) traceparent = value;
    }
  }
  return { revision, type, traceparent };
}
const MAX_TOMBSTONES = 50_000;

export class Informer<T extends KubeObject> {
  private readonly objects = new Map<string, { revision: number; object: T }>();
  /** Revisions of recent deletes, so a late older event cannot resurrect an object. */
  private readonly tombstones = new Map<string, number>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly labels: LabelSelector;
  private readonly fields: FieldSelector;
  private messages: ConsumerMessages | undefined;
  private jsm: JetStreamManager | undefined;
  private stopped = false;
  private lastStreamSeq = 0;
  private listRevision = 0;
  private relisting = false;
  private resolveSynced: () => void = () => undefined;
  private runLoop: Promise<void> | undefined;
  /** Resolves once the first list has been applied. */
  readonly synced: Promise<void>;
  /** How many times the informer re-listed because it could not resume. */
  relists = 0;
  /** Lists done so far (the first is not a re-list). */
  private lists = 0;
  /** The bus metrics of the connection, when the component instrumented it. */
  private readonly metrics: ReturnType<typeof natsMetricsOf>;

  constructor(private readonly options: InformerOptions<T>) {
    if (options.handlers !== undefined) this.handlers.push(options.handlers);
    this.labels = parseLabelSelector(options.labelSelector);
    const fieldPaths = [
      'metadata.name',
      'metadata.namespace',
      'spec.nodeName',
      'status.phase',
      'spec.schedulerName',
      ...(options.fieldSelectorPaths ?? []),
    ];
    this.fields = parseFieldSelector(options.fieldSelector, fieldPaths);
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    this.metrics = natsMetricsOf(options.nc);
  }

  /** Adds handlers; call before start() to see the initial adds. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /** Lists and starts following; resolves when synced. */
  async start(): Promise<void> {
    this.jsm = await jetstreamManager(this.options.nc);
    this.metrics?.informerStarted(this.options.desc.resource);
    this.runLoop = this.run();
    this.runLoop.catch((err: unknown) => this.options.logger.error({ err, resource: this.options.desc.resource }, 'informer stopped'));
    await this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.runLoop?.catch(() => undefined);
  }

  hasSynced(): boolean {
    return this.listRevision > 0 || this.objects.size > 0;
  }

  /** The object with this `namespace/name` (or `name`) key. */
  get(key: string): T | undefined {
    return this.objects.get(key)?.object;
  }

  list(): T[] {
    return [...this.objects.values()].map((e) => e.object);
  }

  get size(): number {
    return this.objects.size;
  }

  private matches(object: T): boolean {
    return (this.labels.empty || this.labels.matches(object.metadata?.labels)) && (this.fields.empty || this.fields.matches(object));
  }

  private async run(): Promise<void> {
    let backoff = 200;
    while (!this.stopped) {
      try {
        await this.listAndFollow();
        backoff = 200;
      } catch (err) {
        if (this.stopped) return;
        this.options.logger.warn({ err, resource: this.options.desc.resource }, 'informer lost its stream; re-listing');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** One list followed by a watch until the stream can no longer resume. */
  private async listAndFollow(): Promise<void> {
    const jsm = this.jsm;
    if (jsm === undefined) throw new Error('informer not started');
    // Every event stored up to this sequence is reflected in the list that follows.
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.last_seq;
    const fieldSelector = [
      this.options.fieldSelector,
      this.options.nodeName === undefined ? undefined : `spec.nodeName=${this.options.nodeName}`,
    ]
      .filter((s): s is string => s !== undefined && s !== '')
      .join(',');
    const listed = await this.options.client.list<T>(this.options.desc, {
      namespace: this.options.namespace,
      labelSelector: this.options.labelSelector,
      fieldSelector: fieldSelector === '' ? undefined : fieldSelector,
    });
    this.replace(listed.items, listed.revision);
    if (this.lists++ > 0) this.metrics?.relisted(this.options.desc.resource);
    this.lastStreamSeq = before;
    this.resolveSynced();
    await this.follow(jsm, before);
  }

  /** Applies a fresh list: adds, updates and deletes relative to what was held. */
  private replace(items: T[], revision: number): void {
    this.listRevision = revision;
    const seen = new Set<string>();
    for (const item of items) {
      const key = namespacedName(item);
      seen.add(key);
      const rev = Number(item.metadata?.resourceVersion ?? 0);
      const held = this.objects.get(key);
      this.objects.set(key, { revision: rev, object: item });
      if (held === undefined) this.emit('add', item);
      else if (held.revision !== rev) this.emit('update', item, held.object);
    }
    for (const [key, held] of [...this.objects]) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        this.emit('delete', held.object);
      }
    }
  }

  private async follow(jsm: JetStreamManager, afterSeq: number): Promise<void> {
    const js = jetstream(this.options.nc);
    const filter = eventFilterSubject(this.options.desc, {
      ...(this.options.nodeName === undefined ? {} : { shard: this.options.nodeName }),
      ...(this.options.namespace === undefined ? {} : { namespace: this.options.namespace }),
    });
    const consumer = await js.consumers.get(EVENTS_STREAM, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterSeq + 1,
    });
    const messages = await consumer.consume({ max_messages: 500 });
    this.messages = messages;
    if (this.stopped) messages.stop();
    // When the client recreates the consumer after a disconnect, check that nothing aged out meanwhile.
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'ordered_consumer_recreated' || s.type === 'reset') {
          const info = await jsm.streams.info(EVENTS_STREAM).catch(() => undefined);
          if (info !== undefined && info.state.first_seq > this.lastStreamSeq + 1 && info.state.last_seq > this.lastStreamSeq) {
            this.relisting = true;
            messages.stop();
          }
        }
      }
    })().catch(() => undefined);
    const info = await jsm.streams.info(EVENTS_STREAM);
    if (info.state.first_seq > afterSeq + 1 && info.state.messages > 0 && info.state.last_seq > afterSeq) {
      messages.stop();
      throw new Error('events stream no longer holds the list point');
    }
    try {
      for await (const m of messages) {
        this.lastStreamSeq = m.seq;
        const { revision, type, traceparent } = eventHeaders(m.headers);
        const object = JSON.parse(decoder.decode(m.data)) as T;
        const { desc } = this.options;
        const delivered =
          traceparent === ''
            ? this.applyEvent(type, object, revision)
            : withDeliverySpan({ desc, filterSubject: filter, subject: m.subject, traceparent, type, revision, object }, () =>
                this.applyEvent(type, object, revision),
              );
        this.metrics?.eventConsumed({
          resource: desc.resource,
          delivered,
          storedAtMs: m.info.timestampNanos / 1e6,
          pending: m.info.pending,
          redelivered: m.redelivered,
        });
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    if (this.relisting && !this.stopped) {
      this.relisting = false;
      this.relists += 1;
      throw new Error('events stream skipped past the informer; re-listing');
    }
  }

  /** Applies one event; true when it reached the handlers (false: stale, a duplicate, or not of interest). */
  private applyEvent(type: string, object: T, revision: number): boolean {
    if (revision <= this.listRevision) return false;
    const key = namespacedName(object);
    const held = this.objects.get(key);
    if (held !== undefined && revision <= held.revision) return false;
    const deletedAt = this.tombstones.get(key);
    if (held === undefined && deletedAt !== undefined && revision <= deletedAt) return false;
    if (type === 'DELETED' || !this.matches(object)) {
      if (held === undefined) return false;
      this.objects.delete(key);
      this.remember(key, revision);
      this.emit('delete', type === 'DELETED' ? object : held.object);
      return true;
    }
    this.objects.set(key, { revision, object });
    if (held === undefined) this.emit('add', object);
    else this.emit('update', object, held.object);
    return true;
  }

  private remember(key: string, revision: number): void {
    this.tombstones.set(key, revision);
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
  }

  private emit(kind: 'add' | 'update' | 'delete', object: T, previous?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.onAdd?.(object);
        else if (kind === 'update') h.onUpdate?.(previous ?? object, object);
        else h.onDelete?.(object);
      } catch (err) {
        this.options.logger.error({ err, resource: this.options.desc.resource }, 'informer handler threw');
      }
    }
  }
}
