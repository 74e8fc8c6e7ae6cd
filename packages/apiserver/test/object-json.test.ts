import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { jsonListBody, objectJson, resultJson, withRevision, writeResult, type EncodableObject } from '../src/storage/object-json.js';

/** A stored object as the store loads it lazily: JSON bytes until first read. */
function lazy(json: string, revision: number): { revision: number; object: KubeObject; unparsedBytes: Buffer | undefined } {
  let parsed: KubeObject | undefined;
  const bytes = Buffer.from(json, 'utf8');
  return {
    revision,
    get object() {
      parsed ??= JSON.parse(json) as KubeObject;
      return parsed;
    },
    get unparsedBytes() {
      return parsed === undefined ? bytes : undefined;
    },
  };
}

describe('objectJson', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', labels: { x: '"metadata":{' } }, spec: {} };

  it('serves an unread lazily loaded object from its text, with the resourceVersion, without parsing it', () => {
    const stored = lazy(JSON.stringify(pod), 42);
    const json = objectJson(stored);
    expect(stored.unparsedBytes).toBeDefined();
    expect(JSON.parse(json)).toEqual(withRevision({ revision: 42, object: pod }));
  });

  it('handles empty metadata and text in another key order by parsing', () => {
    const empty = { apiVersion: 'v1', kind: 'Namespace', metadata: {} };
    expect(JSON.parse(objectJson(lazy(JSON.stringify(empty), 7)))).toEqual({ ...empty, metadata: { resourceVersion: '7' } });
    const reordered = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'b' } };
    const stored = lazy(JSON.stringify(reordered), 8);
    expect(JSON.parse(objectJson(stored))).toEqual(withRevision({ revision: 8, object: reordered }));
    expect(stored.unparsedBytes).toBeUndefined();
  });

  it('never serves a cached string for another revision of the same object', () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    const rv = (revision: number): unknown => (JSON.parse(objectJson({ revision, object })) as KubeObject).metadata?.resourceVersion;
    expect(rv(1)).toBe('1');
    expect(rv(2)).toBe('2');
  });

  it('answers a write result with the JSON of its stored version, and nothing for other objects', () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' }, data: { a: 'b' } };
    const result = writeResult({ revision: 5, object });
    expect(JSON.parse(resultJson(result) ?? '')).toEqual(result);
    expect(resultJson(result)).toBe(objectJson({ revision: 5, object }));
    expect(resultJson({ ...result })).toBeUndefined();
    expect(resultJson('text')).toBeUndefined();
  });
});

describe('jsonListBody', () => {
  const pod = (name: string, label: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { x: label } },
    spec: {},
  });

  it('joins unread, parsed and reordered objects with their resourceVersions, as JSON.stringify would', () => {
    const items: EncodableObject[] = [
      lazy(JSON.stringify(pod('a', 'ünïcödé "metadata":{')), 3),
      lazy(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: {} }), 4),
      lazy(JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'r' } }), 5),
      lazy(JSON.stringify({ apiVersion: 'v1', kind: 'Po"d', metadata: { name: 'q' } }), 7),
      lazy('{"apiVersion":"v1","kind":"Pod","spec":{},"metadata":{"name":"s"}}', 8),
      { revision: 6, object: pod('p', '✓') },
    ];
    const body = jsonListBody('{"kind":"PodList","items":[', items, ']}');
    expect(items[0]?.unparsedBytes).toBeDefined();
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      kind: 'PodList',
      items: items.map((s) => withRevision(s)),
    });
  });

  it('writes an empty list', () => {
    expect(jsonListBody('{"items":[', [], ']}').toString('utf8')).toBe('{"items":[]}');
  });

  it('serves the memoized bytes and the string of the same version alike', () => {
    const stored = { revision: 9, object: pod('m', 'x') };
    const first = objectJson(stored);
    const listed = jsonListBody('[', [stored], ']').toString('utf8');
    expect(listed).toBe(`[${first}]`);
    expect(objectJson(stored)).toBe(first);
  });
});
