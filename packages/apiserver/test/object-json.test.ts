import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { objectJson, resultJson, withRevision, writeResult } from '../src/storage/object-json.js';

/** A stored object as the store loads it lazily: JSON text until first read. */
function lazy(json: string, revision: number): { revision: number; object: KubeObject; unparsedJson: string | undefined } {
  let parsed: KubeObject | undefined;
  return {
    revision,
    get object() {
      parsed ??= JSON.parse(json) as KubeObject;
      return parsed;
    },
    get unparsedJson() {
      return parsed === undefined ? json : undefined;
    },
  };
}

describe('objectJson', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', labels: { x: '"metadata":{' } }, spec: {} };

  it('serves an unread lazily loaded object from its text, with the resourceVersion, without parsing it', () => {
    const stored = lazy(JSON.stringify(pod), 42);
    const json = objectJson(stored);
    expect(stored.unparsedJson).toBeDefined();
    expect(JSON.parse(json)).toEqual(withRevision({ revision: 42, object: pod }));
  });

  it('handles empty metadata and text in another key order by parsing', () => {
    const empty = { apiVersion: 'v1', kind: 'Namespace', metadata: {} };
    expect(JSON.parse(objectJson(lazy(JSON.stringify(empty), 7)))).toEqual({ ...empty, metadata: { resourceVersion: '7' } });
    const reordered = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'b' } };
    const stored = lazy(JSON.stringify(reordered), 8);
    expect(JSON.parse(objectJson(stored))).toEqual(withRevision({ revision: 8, object: reordered }));
    expect(stored.unparsedJson).toBeUndefined();
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
