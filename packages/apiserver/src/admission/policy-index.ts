/**
 * The objects admission decides by (LimitRanges and ResourceQuotas by
 * namespace, PriorityClasses by name), kept current from the watch cache: a
 * snapshot, then each change. So admitting a pod in a namespace without
 * LimitRanges or quotas reads two empty map entries and nothing else.
 */
import {
  keyPrefix,
  LIMITRANGES,
  parseKey,
  PRIORITYCLASSES,
  RESOURCEQUOTAS,
  type LimitRange,
  type PriorityClass,
  type ResourceQuota,
} from '@skiff/api';
import type { StoredObject } from '@skiff/store';
import type { WatchCache } from '../storage/watch-cache.js';

/** A quota with the revision it was read at (for the compare-and-swap of its status). */
export interface IndexedQuota {
  readonly key: string;
  readonly revision: number;
  readonly quota: ResourceQuota;
}

const LIMITRANGE_PREFIX = keyPrefix(LIMITRANGES);
const QUOTA_PREFIX = keyPrefix(RESOURCEQUOTAS);
const PRIORITYCLASS_PREFIX = keyPrefix(PRIORITYCLASSES);

export class PolicyIndex {
  private readonly limitRanges = new Map<string, Map<string, LimitRange>>();
  private readonly quotas = new Map<string, Map<string, IndexedQuota>>();
  private readonly priorityClasses = new Map<string, PriorityClass>();
  private readonly quotaListeners = new Set<(namespace: string) => void>();
  private readonly unsubscribe: () => void;

  constructor(cache: WatchCache) {
    for (const prefix of [LIMITRANGE_PREFIX, QUOTA_PREFIX, PRIORITYCLASS_PREFIX]) {
      for (const stored of cache.list(prefix)) this.put(stored, false);
    }
    this.unsubscribe = cache.subscribe((change) => this.put(change, change.type === 'DELETED'));
  }

  stop(): void {
    this.unsubscribe();
  }

  /** The namespace's LimitRanges (none: an empty list, no allocation). */
  limitRangesIn(namespace: string): Iterable<LimitRange> {
    return this.limitRanges.get(namespace)?.values() ?? EMPTY;
  }

  /** The namespace's ResourceQuotas with their revisions. */
  quotasIn(namespace: string): IndexedQuota[] {
    const m = this.quotas.get(namespace);
    return m === undefined ? [] : [...m.values()];
  }

  /** True when some namespace has a ResourceQuota (a check before parsing a change's key). */
  anyQuotas(): boolean {
    return this.quotas.size > 0;
  }

  /** True when the namespace has at least one ResourceQuota. */
  hasQuotas(namespace: string): boolean {
    return (this.quotas.get(namespace)?.size ?? 0) > 0;
  }

  priorityClass(name: string): PriorityClass | undefined {
    return this.priorityClasses.get(name);
  }

  /** The PriorityClass marked globalDefault (the lowest value when several are, as upstream picks). */
  globalDefaultPriorityClass(): PriorityClass | undefined {
    let found: PriorityClass | undefined;
    for (const pc of this.priorityClasses.values()) {
      if (pc.globalDefault === true && (found === undefined || pc.value < found.value)) found = pc;
    }
    return found;
  }

  /** Calls `listener(namespace)` after a ResourceQuota is added, changed or removed. */
  onQuotaChange(listener: (namespace: string) => void): () => void {
    this.quotaListeners.add(listener);
    return () => this.quotaListeners.delete(listener);
  }

  private put(stored: StoredObject, deleted: boolean): void {
    const { key } = stored;
    if (key.startsWith(LIMITRANGE_PREFIX)) {
      const ns = parseKey(key)?.namespace ?? '';
      if (deleted) this.limitRanges.get(ns)?.delete(key);
      else upsert(this.limitRanges, ns).set(key, stored.object as LimitRange);
      if (this.limitRanges.get(ns)?.size === 0) this.limitRanges.delete(ns);
    } else if (key.startsWith(QUOTA_PREFIX)) {
      const ns = parseKey(key)?.namespace ?? '';
      if (deleted) this.quotas.get(ns)?.delete(key);
      else upsert(this.quotas, ns).set(key, { key, revision: stored.revision, quota: stored.object as ResourceQuota });
      if (this.quotas.get(ns)?.size === 0) this.quotas.delete(ns);
      for (const l of this.quotaListeners) l(ns);
    } else if (key.startsWith(PRIORITYCLASS_PREFIX)) {
      const name = parseKey(key)?.name ?? '';
      if (deleted) this.priorityClasses.delete(name);
      else this.priorityClasses.set(name, stored.object as PriorityClass);
    }
  }
}

const EMPTY: readonly LimitRange[] = [];

function upsert<V>(m: Map<string, Map<string, V>>, ns: string): Map<string, V> {
  let inner = m.get(ns);
  if (inner === undefined) {
    inner = new Map();
    m.set(ns, inner);
  }
  return inner;
}
