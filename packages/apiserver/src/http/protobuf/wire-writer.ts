/**
 * The protobuf wire format, write side: the counterpart of `WireReader` for
 * the few field kinds our responses use (varints, doubles, strings, nested
 * messages). Knows nothing about messages; proto3 default-value omission is
 * the caller's choice.
 *
 * A nested message is its own writer whose chunks the parent adopts after
 * the length prefix, so bytes are copied once, in `finish()`, however deep
 * the nesting.
 */
import { WireType } from './wire.js';

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const SCRATCH_BYTES = 128;

/** Appends fields to a message; `finish()` returns its bytes. */
export class WireWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  /** Small writes (tags, varints, short strings) go here and are flushed as one chunk. */
  private scratch: Uint8Array = EMPTY;
  private used = 0;

  /** The message's size in bytes so far. */
  get byteLength(): number {
    return this.length + this.used;
  }

  /** Writes a varint field (bool, enum, int32/int64/uint64 that are not negative). */
  varint(field: number, value: number): this {
    this.key(field, WireType.Varint);
    this.rawVarint(value);
    return this;
  }

  /** Writes a bool field. */
  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  /** Writes a double field (8 bytes, little-endian). */
  double(field: number, value: number): this {
    this.key(field, WireType.Fixed64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.append(bytes);
    return this;
  }

  /** Writes a string field as UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  /** Writes a length-delimited field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WireType.LengthDelimited);
    this.rawVarint(value.length);
    this.append(value);
    return this;
  }

  /** Writes a nested message field; `inner` must not be written to afterwards. */
  message(field: number, inner: WireWriter): this {
    inner.flush();
    this.key(field, WireType.LengthDelimited);
    this.rawVarint(inner.length);
    this.flush();
    for (const chunk of inner.chunks) this.chunks.push(chunk);
    this.length += inner.length;
    return this;
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1 && this.chunks[0] !== undefined) return this.chunks[0];
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  /** Writes a non-negative integer up to 2^53 as a base-128 varint. */
  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
    if (this.used + 10 > this.scratch.length) this.renewScratch();
    let v = value;
    while (v >= 0x80) {
      this.scratch[this.used++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.scratch[this.used++] = v;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length > this.scratch.length - this.used && bytes.length <= SCRATCH_BYTES / 2) this.renewScratch();
    if (bytes.length <= this.scratch.length - this.used) {
      this.scratch.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    this.flush();
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Ends the current small-write chunk; the next small write starts a new one. */
  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.used));
    this.length += this.used;
    this.scratch = this.scratch.subarray(this.used);
    this.used = 0;
  }

  private renewScratch(): void {
    this.flush();
    this.scratch = new Uint8Array(SCRATCH_BYTES);
  }
}
