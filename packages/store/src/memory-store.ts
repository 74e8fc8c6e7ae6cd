/**
 * An in-memory Store with the same contract as JetStreamStore. For unit tests
 * only: nothing is persisted and there is no change stream across processes.
 */
import type { KubeObject } from '@skiff/api';
import { StoreError, type Store, type StoreChange, type StoredObject, type StoreWatch, type WatchStart } from './store.js';

export class MemoryStore implements Store {
  private revision = 0;
  private readonly live = new Map<string, StoredObject>();
  private readonly log: StoreChange[] = [];
  private readonly watchers = new Set<(change: StoreChange) => void>();

  get(key: string): Promise<StoredObject | null> {
    const found = this.live.get(key);
    return Promise.resolve(found === undefined ? null : { ...found, object: structuredClone(found.object) });
  }

  create(key: string, object: KubeObject): Promise<number> {
    if (this.live.has(key)) return Promise.reject(new StoreError('exists', key, this.live.get(key)?.revision));
    return Promise.resolve(this.commit('ADDED', key, object));
  }

  update(key: string, object: KubeObject, expectedRevision: number): Promise<number> {
    const current = this.live.get(key);
    if (current === undefined) return Promise.reject(new StoreError('not-found', key));
    if (current.revision !== expectedRevision) return Promise.reject(new StoreError('conflict', key, current.revision));
    return Promise.resolve(this.commit('MODIFIED', key, object));
  }

  delete(key: string, expectedRevision: number, lastState: KubeObject): Promise<number> {
    const current = this.live.get(key);
    if (current === undefined) return Promise.reject(new StoreError('not-found', key));
    if (current.revision !== expectedRevision) return Promise.reject(new StoreError('conflict', key, current.revision));
    return Promise.resolve(this.commit('DELETED', key, lastState));
  }

  currentRevision(): Promise<number> {
    return Promise.resolve(this.revision);
  }

  watch(start: WatchStart, handler: (change: StoreChange) => void): StoreWatch {
    let snapshotRevision = this.revision;
    if (start.kind === 'snapshot') {
      for (const stored of this.live.values()) {
        handler({ type: 'ADDED', key: stored.key, revision: stored.revision, object: structuredClone(stored.object) });
      }
    } else {
      for (const change of this.log) if (change.revision > start.revision) handler(structuredClone(change));
      snapshotRevision = start.revision;
    }
    const listener = (change: StoreChange): void => handler(structuredClone(change));
    this.watchers.add(listener);
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    return {
      ready: Promise.resolve(snapshotRevision),
      done,
      stop: () => {
        this.watchers.delete(listener);
        resolveDone();
        return Promise.resolve();
      },
    };
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }

  private commit(type: StoreChange['type'], key: string, object: KubeObject): number {
    this.revision += 1;
    const change: StoreChange = { type, key, revision: this.revision, object: structuredClone(object) };
    if (type === 'DELETED') this.live.delete(key);
    else this.live.set(key, { key, revision: this.revision, object: structuredClone(object) });
    this.log.push(change);
    for (const w of this.watchers) w(change);
    return this.revision;
  }
}
