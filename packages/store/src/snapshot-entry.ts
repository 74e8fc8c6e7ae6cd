/**
 * Objects of a store snapshot, kept as their stored JSON bytes until first
 * read. A cold start loads every object but reads few of them soon: parsing
 * 150,000 pods up front was a third of the apiserver's start-up CPU and most
 * of its garbage, and keeping each one's text as a JS string put ~2 KB per
 * object through the young generation (copied by every scavenge until
 * promoted). The bytes are copied into large off-heap slabs instead, so the
 * garbage collector moves only a small view per object, and a LIST can copy
 * the bytes into its response without a UTF-8 round trip.
 */
import type { KubeObject } from '@skiff/api';
import type { StoreChange } from './store.js';

/** Slab size: large enough that slab overhead and the unused tail are negligible. */
const SLAB_BYTES = 1 << 20;

/**
 * Copies byte strings into shared slabs. A slab stays in memory while any
 * view into it does (a snapshot object not yet parsed).
 * Contract: the returned Buffer is a private copy; later input does not change it.
 */
export class ByteArena {
  private slab = Buffer.allocUnsafeSlow(0);
  private used = 0;

  copy(bytes: Uint8Array): Buffer {
    const n = bytes.length;
    // Objects too large for a fraction of a slab get their own buffer.
    if (n > SLAB_BYTES >> 3) return Buffer.from(bytes);
    if (this.used + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const at = this.used;
    this.slab.set(bytes, at);
    this.used += n;
    return this.slab.subarray(at, at + n);
  }
}

/** An object of the snapshot, parsed when first read. */
export class SnapshotEntry implements StoreChange {
  readonly type = 'ADDED';
  private parsed: KubeObject | undefined;

  constructor(
    readonly key: string,
    readonly revision: number,
    private bytes: Buffer | undefined,
  ) {}

  /** The stored JSON bytes (without resourceVersion) until the object is parsed; then undefined. */
  get unparsedBytes(): Buffer | undefined {
    return this.parsed === undefined ? this.bytes : undefined;
  }

  get object(): KubeObject {
    if (this.parsed === undefined) {
      const bytes = this.bytes;
      this.parsed = bytes === undefined || bytes.length === 0 ? {} : (JSON.parse(bytes.toString('utf8')) as KubeObject);
      this.bytes = undefined;
    }
    return this.parsed;
  }
}
