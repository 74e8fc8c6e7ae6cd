import { describe, expect, it } from 'vitest';
import { PrefixIndex } from '../src/storage/prefix-index.js';

/** A live key set with the index kept up to date, as the watch cache does. */
function keySet(maxPrefixes?: number) {
  const live = new Set<string>();
  const index = new PrefixIndex(maxPrefixes);
  let scans = 0;
  return {
    add(key: string) {
      if (!live.has(key)) index.added(key);
      live.add(key);
    },
    remove(key: string) {
      if (live.delete(key)) index.removed(key);
    },
    list(prefix: string): readonly string[] {
      return index.sortedKeys(
        prefix,
        (k) => live.has(k),
        () => {
          scans++;
          return live.keys();
        },
      );
    },
    expected(prefix: string): string[] {
      return [...live].filter((k) => k.startsWith(prefix)).sort();
    },
    get scans() {
      return scans;
    },
  };
}

describe('PrefixIndex', () => {
  it('lists the live keys of a prefix in order, each once, through adds, deletes and re-adds', () => {
    const s = keySet();
    for (const k of ['pods.b.2', 'pods.a.9', 'pods.b.1', 'nodes.x', 'pods.a.10']) s.add(k);
    expect(s.list('pods.a.')).toEqual(['pods.a.10', 'pods.a.9']);
    expect(s.list('pods.')).toEqual(s.expected('pods.'));
    s.add('pods.a.0');
    s.remove('pods.a.9');
    s.add('pods.a.9');
    s.add('pods.a.9');
    s.remove('pods.a.10');
    s.add('pods.c.1');
    expect(s.list('pods.a.')).toEqual(['pods.a.0', 'pods.a.9']);
    expect(s.list('pods.')).toEqual(s.expected('pods.'));
    expect(s.scans).toBe(2);
  });

  it('keeps up with random churn', () => {
    const s = keySet();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) {
        const key = `p.ns${rand(3)}.${rand(30)}`;
        if (rand(3) === 0) s.remove(key);
        else s.add(key);
      }
      for (const prefix of ['p.', 'p.ns0.', 'p.ns2.']) expect(s.list(prefix)).toEqual(s.expected(prefix));
    }
  });

  it('drops the least recently listed prefix beyond its limit and rebuilds it when asked again', () => {
    const s = keySet(2);
    s.add('a.1');
    s.add('b.1');
    s.add('c.1');
    s.list('a.');
    s.list('b.');
    s.list('a.');
    s.list('c.'); // drops b.
    expect(s.scans).toBe(3);
    s.add('b.0');
    expect(s.list('b.')).toEqual(['b.0', 'b.1']);
    expect(s.scans).toBe(4);
    s.add('a.0');
    expect(s.list('a.')).toEqual(['a.0', 'a.1']);
    expect(s.scans).toBe(5); // a. was dropped when b. came back
  });
});
