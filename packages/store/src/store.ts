/**
 * The storage contract the apiserver is written against. Two implementations:
 * JetStreamStore (the real one, over a NATS JetStream KV bucket) and
 * MemoryStore (unit tests only).
 *
 * Revisions are one counter over every key (the bucket's stream sequence), so
 * an object's revision is its `resourceVersion`, and it only grows.
 */
import type { KubeObject, WatchEventType } from '@skiff/api';

/** One object as stored, with the revision of its last write. */
export interface StoredObject {
  key: string;
  revision: number;
  object: KubeObject;
  /**
   * The object's stored JSON as UTF-8 bytes (without resourceVersion) while it
   * has not been parsed yet; readers that only re-serialize can use them
   * instead of reading `object`. Absent once parsed, and for objects not
   * loaded lazily. Read-only: the bytes may share memory with other objects'.
   */
  readonly unparsedBytes?: Buffer | undefined;
}

/** One committed change. For DELETED, `object` is the object's last state. */
export interface StoreChange {
  type: WatchEventType;
  key: string;
  revision: number;
  object: KubeObject;
}

/** Where a store watch begins. */
export type WatchStart =
  /** Every live object as ADDED (the snapshot), then every later change. */
  | { kind: 'snapshot' }
  /** Every change with a revision greater than `revision` (intermediate versions of a key may be skipped). */
  | { kind: 'after'; revision: number };

/** A running store watch. */
export interface StoreWatch {
  /** Resolves with the snapshot's revision once the snapshot is delivered (at once for `after`). */
  readonly ready: Promise<number>;
  /** Rejects when the watch fails for good; resolves when stop() ends it. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Why a write was refused. */
export type StoreErrorKind = 'exists' | 'conflict' | 'not-found';

/** A refused write; the apiserver maps it to a Status (409 AlreadyExists / Conflict, 404). */
export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  /** The key's current revision, when the store knows it. */
  readonly currentRevision: number | undefined;
  constructor(kind: StoreErrorKind, key: string, currentRevision?: number) {
    super(`${kind}: ${key}`);
    this.name = 'StoreError';
    this.kind = kind;
    this.currentRevision = currentRevision;
  }
}

/**
 * The storage interface. Values never carry resourceVersion; readers set it from the revision.
 * An object handed to a write belongs to the store from then on: the caller does not change it
 * (a watch may deliver that very object, and its written JSON is reused).
 */
export interface Store {
  /** The object at key, or null. */
  get(key: string): Promise<StoredObject | null>;
  /** Creates key; StoreError 'exists' when it is live. Returns the new revision. */
  create(key: string, object: KubeObject): Promise<number>;
  /**
   * Replaces key if its revision is still expectedRevision (compare-and-swap).
   * StoreError 'conflict' when stale, 'not-found' when the key is not live.
   */
  update(key: string, object: KubeObject, expectedRevision: number): Promise<number>;
  /** Deletes key at expectedRevision, recording `lastState` as the object's final state. Same errors as update. */
  delete(key: string, expectedRevision: number, lastState: KubeObject): Promise<number>;
  /** The latest revision committed to the store. */
  currentRevision(): Promise<number>;
  /** Watches every key. Changes are delivered in revision order, one handler call at a time. */
  watch(start: WatchStart, handler: (change: StoreChange) => void): StoreWatch;
  close(): Promise<void>;
}
