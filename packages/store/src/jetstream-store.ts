/**
 * The Store over one NATS JetStream KV bucket (`skiff`, stream `KV_skiff`).
 *
 * Writes are JetStream publishes to `$KV.skiff.<key>` with the expected last
 * sequence of the subject as the compare-and-swap condition, so the bucket stays
 * a plain KV bucket for NATS tools. Each message carries a `Skiff-Op` header
 * (ADDED, MODIFIED, DELETED); a delete is a KV `DEL` marker whose body is the
 * object's last state, so the change stream alone can tell every consumer what
 * was deleted, even one that starts after the fact.
 */
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { OBJECTS_BUCKET, OBJECTS_STREAM, type KubeObject, type WatchEventType } from '@skiff/api';
import { sharedPublishCoalescer, type PublishCoalescer } from './publish-coalescer.js';
import { WrittenObjects } from './written-objects.js';
import { ByteArena, SnapshotEntry } from './snapshot-entry.js';
import { StoreError, type Store, type StoreChange, type StoredObject, type StoreWatch, type WatchStart } from './store.js';

const SUBJECT_PREFIX = `$KV.${OBJECTS_BUCKET}.`;
const OP_HEADER = 'Skiff-Op';
const KV_OP_HEADER = 'KV-Operation';
/** JetStream's "wrong last sequence" error code. */
const WRONG_LAST_SEQUENCE = 10071;

const decoder = new TextDecoder();

function isWrongLastSequence(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === WRONG_LAST_SEQUENCE || /wrong last sequence/.test(err.message));
}

function isDeleteMarker(h: MsgHdrs | undefined): boolean {
  const op = h?.get(KV_OP_HEADER) ?? '';
  return op === 'DEL' || op === 'PURGE';
}

function changeType(h: MsgHdrs | undefined): WatchEventType {
  if (isDeleteMarker(h)) return 'DELETED';
  return h?.get(OP_HEADER) === 'ADDED' ? 'ADDED' : 'MODIFIED';
}

function decodeObject(data: Uint8Array): KubeObject {
  return data.length === 0 ? {} : (JSON.parse(decoder.decode(data)) as KubeObject);
}

/** Creates (or opens) the objects bucket and returns a Store over it. */
export async function openJetStreamStore(nc: NatsConnection): Promise<JetStreamStore> {
  const js = jetstream(nc);
  await new Kvm(js).create(OBJECTS_BUCKET, { history: 1 });
  const jsm = await jetstreamManager(nc);
  return new JetStreamStore(js, jsm, sharedPublishCoalescer(nc));
}

export class JetStreamStore implements Store {
  private readonly watches = new Set<StoreWatch>();
  private readonly writes: PublishCoalescer;
  /** Writes whose change this store's watches deliver as the written object, without parsing it again. */
  private readonly written = new WrittenObjects();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    /** Where writes are published: the connection's shared coalescer. */
    writes: PublishCoalescer,
  ) {
    this.writes = writes;
  }

  async get(key: string): Promise<StoredObject | null> {
    const msg = await this.jsm.direct.getMessage(OBJECTS_STREAM, { last_by_subj: SUBJECT_PREFIX + key });
    if (msg === null || isDeleteMarker(msg.header)) return null;
    return { key, revision: msg.seq, object: decodeObject(msg.data) };
  }

  async create(key: string, object: KubeObject): Promise<number> {
    try {
      return await this.write(key, object, 'ADDED', 0);
    } catch (err) {
      if (!isWrongLastSequence(err)) throw err;
    }
    // The subject has history: allowed only when its last message is a delete marker.
    const last = await this.jsm.direct.getMessage(OBJECTS_STREAM, { last_by_subj: SUBJECT_PREFIX + key });
    if (last === null || !isDeleteMarker(last.header)) throw new StoreError('exists', key, last?.seq);
    try {
      return await this.write(key, object, 'ADDED', last.seq);
    } catch (err) {
      if (isWrongLastSequence(err)) throw new StoreError('exists', key);
      throw err;
    }
  }

  async update(key: string, object: KubeObject, expectedRevision: number): Promise<number> {
    try {
      return await this.write(key, object, 'MODIFIED', expectedRevision);
    } catch (err) {
      if (isWrongLastSequence(err)) throw await this.explainMismatch(key);
      throw err;
    }
  }

  async delete(key: string, expectedRevision: number, lastState: KubeObject): Promise<number> {
    try {
      return await this.write(key, lastState, 'DELETED', expectedRevision);
    } catch (err) {
      if (isWrongLastSequence(err)) throw await this.explainMismatch(key);
      throw err;
    }
  }

  async currentRevision(): Promise<number> {
    const info = await this.jsm.streams.info(OBJECTS_STREAM);
    return info.state.last_seq;
  }

  watch(start: WatchStart, handler: (change: StoreChange) => void): StoreWatch {
    const watch = new ConsumerWatch(this.js, this.jsm, start, handler, this.written);
    this.watches.add(watch);
    void watch.done.finally(() => this.watches.delete(watch)).catch(() => undefined);
    return watch;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.stop()));
  }

  private async write(key: string, object: KubeObject, op: WatchEventType, expected: number): Promise<number> {
    const h = op === 'DELETED' ? { [OP_HEADER]: op, [KV_OP_HEADER]: 'DEL' } : { [OP_HEADER]: op };
    const text = JSON.stringify(object);
    // Buffer.from takes small encodings from Node's shared pool: no ArrayBuffer of its own per write (TextEncoder makes one).
    const bytes = Buffer.from(text, 'utf8');
    this.written.remember(key, object, text, bytes);
    try {
      const ack = await this.writes.publish(SUBJECT_PREFIX + key, bytes, {
        headers: h,
        expect: { lastSubjectSequence: expected },
      });
      return ack.seq;
    } catch (err) {
      this.written.forget(key, object);
      throw err;
    }
  }

  private async explainMismatch(key: string): Promise<StoreError> {
    const current = await this.get(key);
    return current === null ? new StoreError('not-found', key) : new StoreError('conflict', key, current.revision);
  }
}

/**
 * A store watch on an ordered consumer. The NATS client recreates the consumer
 * from the last delivered sequence after a disconnect, so changes arrive in
 * order with none repeated.
 */
class ConsumerWatch implements StoreWatch {
  readonly ready: Promise<number>;
  readonly done: Promise<void>;
  private stopping = false;
  private stopConsuming: (() => void) | undefined;
  /** Where the snapshot's object bytes are kept until read. */
  private readonly arena = new ByteArena();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly start: WatchStart,
    private readonly handler: (change: StoreChange) => void,
    private readonly written: WrittenObjects,
  ) {
    let resolveReady: (rev: number) => void = () => undefined;
    let rejectReady: (err: unknown) => void = () => undefined;
    this.ready = new Promise<number>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.done = this.run(resolveReady).catch((err: unknown) => {
      rejectReady(err);
      throw err;
    });
    this.done.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopConsuming?.();
    await this.done.catch(() => undefined);
  }

  private async run(resolveReady: (rev: number) => void): Promise<void> {
    const info = await this.jsm.streams.info(OBJECTS_STREAM);
    const snapshot = this.start.kind === 'snapshot';
    // A snapshot is complete once the message that was last when we began is seen.
    const snapshotEnd = info.state.last_seq;
    let inSnapshot = snapshot && info.state.messages > 0 && snapshotEnd > 0;
    if (!inSnapshot) resolveReady(snapshot ? snapshotEnd : this.start.kind === 'after' ? this.start.revision : 0);
    if (this.stopping) return;
    const consumer = await this.js.consumers.get(OBJECTS_STREAM, {
      filter_subjects: `${SUBJECT_PREFIX}>`,
      ...(snapshot
        ? { deliver_policy: DeliverPolicy.LastPerSubject }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: (this.start.kind === 'after' ? this.start.revision : 0) + 1 }),
    });
    const messages = await consumer.consume({ max_messages: snapshot ? 10_000 : 1000 });
    this.stopConsuming = () => void messages.stop();
    if (this.stopping) void messages.stop();
    try {
      for await (const m of messages) {
        this.deliver(m, inSnapshot);
        if (inSnapshot && m.seq >= snapshotEnd) {
          inSnapshot = false;
          resolveReady(snapshotEnd);
        }
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  private deliver(m: JsMsg, inSnapshot: boolean): void {
    const type = changeType(m.headers);
    if (inSnapshot && type === 'DELETED') return;
    const key = m.subject.slice(SUBJECT_PREFIX.length);
    if (inSnapshot) this.handler(new SnapshotEntry(key, m.seq, this.arena.copy(m.data)));
    else this.handler({ type, key, revision: m.seq, object: this.written.take(key, m.data) ?? decodeObject(m.data) });
  }
}
