/**
 * The JSON of a stored object with its resourceVersion, serialized once per
 * stored version however many readers need it: GET and LIST responses, every
 * HTTP watcher, and the event the publisher puts on the events stream.
 *
 * Contract: keyed by the object's identity and revision, so a cached string is
 * never served for another revision of a reused object.
 */
import type { KubeObject } from '@skiff/api';
import { writtenJson } from '@skiff/store';

/** The object with its resourceVersion taken from the store revision (a shallow copy). */
export function withRevision(stored: { revision: number; object: KubeObject }): KubeObject {
  return { ...stored.object, metadata: { ...stored.object.metadata, resourceVersion: String(stored.revision) } };
}

const encoded = new WeakMap<KubeObject, { revision: number; json: string }>();

/** Stored JSON as JSON.stringify writes our objects: apiVersion, kind, then metadata (values without quotes inside). */
const TYPE_META_THEN_METADATA = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * The stored text with `"resourceVersion"` put first in metadata, when the
 * text starts with type meta and metadata (always, for what the apiserver
 * writes); otherwise undefined and the caller parses.
 */
function injectResourceVersion(json: string, revision: number): string | undefined {
  const head = TYPE_META_THEN_METADATA.exec(json);
  if (head === null) return undefined;
  const at = head[0].length;
  const rest = json.slice(at);
  const rv = `"resourceVersion":"${revision}"`;
  return rest.startsWith('}') ? `${json.slice(0, at)}${rv}${rest}` : `${json.slice(0, at)}${rv},${rest}`;
}

/** `JSON.stringify(withRevision(stored))`, computed once per object and revision. */
export function objectJson(stored: { revision: number; object: KubeObject; readonly unparsedJson?: string | undefined }): string {
  // An object loaded lazily and never read is served from its stored text, without parsing it.
  const text = stored.unparsedJson;
  if (text !== undefined) {
    const json = injectResourceVersion(text, stored.revision);
    if (json !== undefined) return json;
  }
  const hit = encoded.get(stored.object);
  if (hit !== undefined && hit.revision === stored.revision) return hit.json;
  // An object this process just wrote: its stored text is at hand.
  const written = writtenJson(stored.object);
  const json =
    (written === undefined ? undefined : injectResourceVersion(written, stored.revision)) ?? JSON.stringify(withRevision(stored));
  encoded.set(stored.object, { revision: stored.revision, json });
  return json;
}

/** The stored version each write result was copied from. */
const resultSources = new WeakMap<KubeObject, { revision: number; object: KubeObject }>();

/**
 * `withRevision` for the result of a write, remembering the stored version so
 * the response is written with `objectJson` (the text the store wrote, shared
 * with the event and the watchers) instead of serializing the copy again.
 * Contract: the caller does not change the result before responding with it.
 */
export function writeResult(stored: { revision: number; object: KubeObject }): KubeObject {
  const out = withRevision(stored);
  resultSources.set(out, stored);
  return out;
}

/** The JSON of a write result (see writeResult); undefined for any other object. */
export function resultJson(object: unknown): string | undefined {
  const source = typeof object === 'object' && object !== null ? resultSources.get(object as KubeObject) : undefined;
  return source === undefined ? undefined : objectJson(source);
}
