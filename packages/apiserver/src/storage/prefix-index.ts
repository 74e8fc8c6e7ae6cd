/**
 * Sorted key lists for the key prefixes that lists asked for (a namespace's
 * pods, every pod, ...), kept up to date as keys come and go, so a LIST
 * neither scans every key in the cache nor sorts. Before it, a LIST of one
 * namespace's 10,000 pods scanned all 150,000 keys and sorted the 10,000.
 *
 * Contract: `sortedKeys(prefix)` returns the live keys that start with prefix,
 * in ascending order, each once, given that `added` was called for every key
 * that became live and `removed` for every live key deleted since the prefix
 * was first asked for. Keys changing value need no call. At most
 * `maxPrefixes` prefixes are kept, the least recently listed dropped first.
 */

interface PrefixEntry {
  /** Ascending; may still hold keys deleted since (when `removed` > 0). */
  sorted: string[];
  /** Keys that became live since `sorted` was built, unsorted (may repeat). */
  added: string[];
  /** How many of `sorted`'s keys may have been deleted since it was built. */
  removed: number;
}

/** Merges two ascending lists, keeping one of equal keys. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x as string);
      i++;
    } else if (x === undefined || y < x) {
      if (out[out.length - 1] !== y) out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

export class PrefixIndex {
  private readonly entries = new Map<string, PrefixEntry>();

  constructor(private readonly maxPrefixes = 128) {}

  /** A key became live (it was absent before this change). */
  added(key: string): void {
    for (const [prefix, e] of this.entries) if (key.startsWith(prefix)) e.added.push(key);
  }

  /** A live key was deleted. */
  removed(key: string): void {
    for (const [prefix, e] of this.entries) if (key.startsWith(prefix)) e.removed++;
  }

  /**
   * The live keys starting with prefix, ascending. `isLive` tells whether a
   * key is live now; `allKeys` lists every live key (read only the first time
   * a prefix is asked for). The caller does not change the returned array.
   */
  sortedKeys(prefix: string, isLive: (key: string) => boolean, allKeys: () => Iterable<string>): readonly string[] {
    let e = this.entries.get(prefix);
    if (e === undefined) {
      const sorted: string[] = [];
      for (const key of allKeys()) if (key.startsWith(prefix)) sorted.push(key);
      sorted.sort();
      e = { sorted, added: [], removed: 0 };
      if (this.entries.size >= this.maxPrefixes) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
      }
    } else {
      // Most recently listed last: the first entry is the one to drop.
      this.entries.delete(prefix);
      if (e.added.length > 0 || e.removed > 0) {
        const kept = e.removed > 0 ? e.sorted.filter(isLive) : e.sorted;
        const fresh = e.added.filter(isLive).sort();
        e = { sorted: fresh.length > 0 ? mergeSorted(kept, fresh) : kept, added: [], removed: 0 };
      }
    }
    this.entries.set(prefix, e);
    return e.sorted;
  }
}
