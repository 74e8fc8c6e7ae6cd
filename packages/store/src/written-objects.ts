/**
 * The objects this process wrote, kept until their change comes back on the
 * store's change stream, so the change is delivered as the object that was
 * written instead of a fresh parse of its bytes; and the JSON text each object
 * was stored as, so readers that serialize it again (the write's response,
 * the published event, HTTP watchers) reuse that text.
 *
 * Contract: an object handed to a store write is not changed afterwards by
 * anyone (the store and its watchers may share it). A delivered change is
 * matched to a write only when its bytes equal the written bytes exactly;
 * anything else is parsed as before.
 */
import type { KubeObject } from '@skiff/api';

/** Writes remembered at most; beyond this (no watch consuming them) the oldest are forgotten. */
const MAX_PENDING = 10_000;

interface PendingWrite {
  object: KubeObject;
  bytes: Uint8Array;
}

/** The JSON text each object was written as (without resourceVersion). */
const writtenText = new WeakMap<KubeObject, string>();

/** The JSON text `object` was stored as by a write of this process, if it was. */
export function writtenJson(object: KubeObject): string | undefined {
  return writtenText.get(object);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** Pending writes by key, the newest per key. */
export class WrittenObjects {
  private readonly pending = new Map<string, PendingWrite>();

  /** Records a write about to be published: `text` is `object`'s JSON, `bytes` its UTF-8 encoding. */
  remember(key: string, object: KubeObject, text: string, bytes: Uint8Array): void {
    writtenText.set(object, text);
    if (this.pending.size >= MAX_PENDING) this.pending.clear();
    this.pending.delete(key);
    this.pending.set(key, { object, bytes });
  }

  /** A write that failed will not come back: forget it (unless a newer write of the key replaced it). */
  forget(key: string, object: KubeObject): void {
    if (this.pending.get(key)?.object === object) this.pending.delete(key);
  }

  /** The object written for `key` when `bytes` are exactly what was written; removes it. */
  take(key: string, bytes: Uint8Array): KubeObject | undefined {
    const p = this.pending.get(key);
    if (p === undefined || !sameBytes(p.bytes, bytes)) return undefined;
    this.pending.delete(key);
    return p.object;
  }
}
