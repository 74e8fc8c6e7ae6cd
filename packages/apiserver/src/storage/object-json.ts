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

/** A stored version's JSON: as a string for watchers and events, as bytes once a LIST needed them (then the string is dropped). */
interface Encoding {
  readonly revision: number;
  json: string | undefined;
  bytes: Buffer | undefined;
}

const encoded = new WeakMap<KubeObject, Encoding>();

/** Stored JSON as JSON.stringify writes our objects: apiVersion, kind, then metadata (values without quotes inside). */
const TYPE_META_THEN_METADATA = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/** Where `"resourceVersion"` goes in stored JSON text (just inside metadata), or -1 when the text has another shape. */
function metadataBodyAt(json: string): number {
  const head = TYPE_META_THEN_METADATA.exec(json);
  return head === null ? -1 : head[0].length;
}

const API_VERSION_OPEN = Buffer.from('{"apiVersion":"');
const KIND_OPEN = Buffer.from('","kind":"');
const METADATA_OPEN = Buffer.from('","metadata":{');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `bytes` hold `literal` at `at` (a plain loop: these are a few bytes, and a native call costs more). */
function hasAt(bytes: Buffer, at: number, literal: Buffer): boolean {
  if (at + literal.length > bytes.length) return false;
  for (let i = 0; i < literal.length; i++) if (bytes[at + i] !== literal[i]) return false;
  return true;
}

/** The end of the JSON string value opening at `at` (its closing quote), or -1 when it holds an escape or does not end. */
function plainStringEnd(bytes: Buffer, at: number): number {
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) return i;
    if (b === BACKSLASH) return -1;
  }
  return -1;
}

/** metadataBodyAt for stored bytes, scanned in place (no string is made): the same text shape, the same offset. */
function metadataBodyAtBytes(bytes: Buffer): number {
  if (!hasAt(bytes, 0, API_VERSION_OPEN)) return -1;
  const apiVersionEnd = plainStringEnd(bytes, API_VERSION_OPEN.length);
  if (apiVersionEnd < 0 || !hasAt(bytes, apiVersionEnd, KIND_OPEN)) return -1;
  const kindEnd = plainStringEnd(bytes, apiVersionEnd + KIND_OPEN.length);
  if (kindEnd < 0 || !hasAt(bytes, kindEnd, METADATA_OPEN)) return -1;
  return kindEnd + METADATA_OPEN.length;
}

/** The `"resourceVersion"` member to insert at `at` (a comma after it unless metadata was empty). */
function resourceVersionMember(revision: number, nextChar: number | undefined): string {
  return nextChar === 0x7d ? `"resourceVersion":"${revision}"` : `"resourceVersion":"${revision}",`;
}

/**
 * The stored text with `"resourceVersion"` put first in metadata, when the
 * text starts with type meta and metadata (always, for what the apiserver
 * writes); otherwise undefined and the caller parses.
 */
function injectResourceVersion(json: string, revision: number): string | undefined {
  const at = metadataBodyAt(json);
  if (at < 0) return undefined;
  return `${json.slice(0, at)}${resourceVersionMember(revision, json.charCodeAt(at))}${json.slice(at)}`;
}

/** The memoized encoding of a parsed stored version (created with its JSON string). */
function encodingOf(stored: { revision: number; object: KubeObject }): Encoding {
  const hit = encoded.get(stored.object);
  if (hit !== undefined && hit.revision === stored.revision) return hit;
  // An object this process just wrote: its stored text is at hand.
  const written = writtenJson(stored.object);
  const json =
    (written === undefined ? undefined : injectResourceVersion(written, stored.revision)) ?? JSON.stringify(withRevision(stored));
  const e: Encoding = { revision: stored.revision, json, bytes: undefined };
  encoded.set(stored.object, e);
  return e;
}

/** A stored object that may still be unparsed bytes (see StoredObject.unparsedBytes). */
export interface EncodableObject {
  revision: number;
  object: KubeObject;
  readonly unparsedBytes?: Buffer | undefined;
}

/** `JSON.stringify(withRevision(stored))`, computed once per object and revision. */
export function objectJson(stored: EncodableObject): string {
  // An object loaded lazily and never read is served from its stored bytes, without parsing it.
  const bytes = stored.unparsedBytes;
  if (bytes !== undefined) {
    const json = injectResourceVersion(bytes.toString('utf8'), stored.revision);
    if (json !== undefined) return json;
  }
  const e = encodingOf(stored);
  e.json ??= e.bytes?.toString('utf8') ?? JSON.stringify(withRevision(stored));
  return e.json;
}

/** objectJson as UTF-8 bytes for a parsed object, memoized (the string is then dropped: one copy per version). */
function objectBytes(stored: EncodableObject): Buffer {
  const e = encodingOf(stored);
  if (e.bytes === undefined) {
    e.bytes = Buffer.from(e.json ?? JSON.stringify(withRevision(stored)), 'utf8');
    e.json = undefined;
  }
  return e.bytes;
}

/**
 * A JSON list body as one Buffer: `head`, each item's objectJson joined by
 * commas, then `tail`. Items still unparsed are copied from their stored
 * bytes with the resourceVersion spliced in; the others from their memoized
 * bytes. No item is serialized, no large string is built or UTF-8 encoded.
 */
export function jsonListBody(head: string, items: readonly EncodableObject[], tail: string): Buffer {
  const n = items.length;
  const sources: Buffer[] = new Array<Buffer>(n);
  const splits = new Int32Array(n);
  const members: string[] = new Array<string>(n);
  let total = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, n - 1);
  for (let i = 0; i < n; i++) {
    const stored = items[i] as EncodableObject;
    const raw = stored.unparsedBytes;
    const at = raw === undefined ? -1 : metadataBodyAtBytes(raw);
    if (raw !== undefined && at >= 0) {
      const member = resourceVersionMember(stored.revision, raw[at]);
      sources[i] = raw;
      members[i] = member;
      total += raw.length + member.length;
    } else {
      const bytes = objectBytes(stored);
      sources[i] = bytes;
      total += bytes.length;
    }
    splits[i] = at;
  }
  const out = Buffer.allocUnsafe(total);
  let off = out.write(head, 0, 'utf8');
  for (let i = 0; i < n; i++) {
    if (i > 0) out[off++] = 0x2c;
    const src = sources[i] as Buffer;
    const at = splits[i] ?? -1;
    if (at < 0) off += src.copy(out, off);
    else {
      off += src.copy(out, off, 0, at);
      off += out.write(members[i] ?? '', off, 'latin1');
      off += src.copy(out, off, at);
    }
  }
  out.write(tail, off, 'utf8');
  return out;
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
