/**
 * The JSON of a stored object with its resourceVersion, serialized once per
 * stored version however many readers need it: GET and LIST responses, every
 * HTTP watcher, and the event the publisher puts on the events stream.
 *
 * Contract: keyed by the object's identity and revision, so a cached string is
 * never served for another revision of a reused object.
 */
import type { KubeObject } from '@skiff/api';

/** The object with its resourceVersion taken from the store revision (a shallow copy). */
export function withRevision(stored: { revision: number; object: KubeObject }): KubeObject {
  return { ...stored.object, metadata: { ...stored.object.metadata, resourceVersion: String(stored.revision) } };
}

const encoded = new WeakMap<KubeObject, { revision: number; json: string }>();

/** `JSON.stringify(withRevision(stored))`, computed once per object and revision. */
export function objectJson(stored: { revision: number; object: KubeObject }): string {
  const hit = encoded.get(stored.object);
  if (hit !== undefined && hit.revision === stored.revision) return hit.json;
  const json = JSON.stringify(withRevision(stored));
  encoded.set(stored.object, { revision: stored.revision, json });
  return json;
}
