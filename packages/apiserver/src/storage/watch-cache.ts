/**
 * The apiserver's in-memory view of the store: every live object plus a window
 * of recent changes, fed by one store watch. Lists and HTTP watches are served
 * from here at a consistent revision, as kube-apiserver's watch cache does.
 *
 * Contract: changes are applied in revision order; `revision` is the revision
 * of the newest change applied (or of the snapshot); listeners are called
 * synchronously, in order, after the change is applied.
 */
import type { KubeObject } from '@skiff/api';
import type { Store, StoreChange, StoredObject, StoreWatch } from '@skiff/store';
import { PrefixIndex } from './prefix-index.js';

export interface WatchCacheOptions {
  /** How many recent changes to keep for watches that resume from a revision. */
  historySize?: number;
}

/** Called with each applied change and the object's state before it (undefined for a new key). */
export type CacheListener = (change: StoreChange, previous: KubeObject | undefined) => void;

export class WatchCache {
  private readonly objects = new Map<string, StoredObject>();
  /** The keys of the prefixes lists asked for, in order. */
  private readonly sorted = new PrefixIndex();
  /** Recent changes in revision order; trimmed in batches (one splice per historySize/4 changes). */
  private history: StoreChange[] = [];
  private loadingSnapshot = true;
  private readonly historySize: number;
  private readonly listeners = new Set<CacheListener>();
  private readonly waiters: Array<{ revision: number; resolve: () => void }> = [];
  private watch: StoreWatch | undefined;
  private currentRevision = 0;
  /** The oldest revision from which `changesSince` can still answer. */
  private oldestResumable = 0;

  constructor(
    private readonly store: Store,
    options: WatchCacheOptions = {},
  ) {
    this.historySize = options.historySize ?? 20_000;
  }

  /** Loads the snapshot and follows the store; resolves when the snapshot is in. */
  async start(): Promise<void> {
    this.watch = this.store.watch({ kind: 'snapshot' }, (change) => this.apply(change));
    const snapshotRevision = await this.watch.ready;
    this.loadingSnapshot = false;
    this.currentRevision = Math.max(this.currentRevision, snapshotRevision);
    this.oldestResumable = this.currentRevision;
    this.wakeWaiters();
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Rejects when the underlying watch fails. */
  get failed(): Promise<void> {
    return this.watch?.done ?? Promise.resolve();
  }

  get revision(): number {
    return this.currentRevision;
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  /** Every live object whose key starts with prefix, in key order. */
  list(prefix: string): StoredObject[] {
    const keys = this.sorted.sortedKeys(
      prefix,
      (key) => this.objects.has(key),
      () => this.objects.keys(),
    );
    const out: StoredObject[] = new Array<StoredObject>(keys.length);
    let n = 0;
    for (const key of keys) {
      const stored = this.objects.get(key);
      if (stored !== undefined) out[n++] = stored;
    }
    out.length = n;
    return out;
  }

  /** Resolves once the cache has applied `revision` (or after timeoutMs, with false). */
  waitForRevision(revision: number, timeoutMs = 3000): Promise<boolean> {
    if (this.currentRevision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * The changes after `revision`, in order, or 'too-old' when the cache no
   * longer holds them all (the client must re-list: HTTP 410 Gone).
   */
  changesSince(revision: number): StoreChange[] | 'too-old' {
    if (revision < this.oldestResumable) return 'too-old';
    // Binary search for the first change after `revision`.
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.history[mid]?.revision ?? 0) <= revision) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** Calls listener for every change applied from now on; returns the unsubscribe function. */
  subscribe(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(change: StoreChange): void {
    const before = this.objects.get(change.key);
    const previous = before?.object;
    if (change.type === 'DELETED') {
      if (this.objects.delete(change.key)) this.sorted.removed(change.key);
    } else {
      // The change is the stored object (it has key, revision and object): its object is not read here,
      // so a snapshot entry stays unparsed until something reads it.
      this.objects.set(change.key, change);
      if (before === undefined) this.sorted.added(change.key);
    }
    this.currentRevision = Math.max(this.currentRevision, change.revision);
    // The snapshot is not history: no watch can resume from inside it.
    if (!this.loadingSnapshot) {
      this.history.push(change);
      if (this.history.length > this.historySize + Math.max(1, this.historySize >> 2)) {
        const cut = this.history.length - this.historySize;
        this.oldestResumable = this.history[cut - 1]?.revision ?? this.oldestResumable;
        this.history = this.history.slice(cut);
      }
    }
    for (const l of this.listeners) l(change, previous);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (w !== undefined && w.revision <= this.currentRevision) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
