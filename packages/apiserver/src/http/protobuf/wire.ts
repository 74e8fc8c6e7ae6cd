/**
 * The protobuf wire format, read-only: tags, varints, 64-bit and 32-bit
 * fixed values, length-delimited bytes, and skipping (groups included).
 * Knows nothing about messages; every read is bounds-checked and a
 * malformed input throws `WireFormatError`.
 */

/** The four wire types Kubernetes uses, plus the deprecated group markers (skipped only). */
export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;

/** The input is not valid protobuf (truncated, overlong varint, bad wire type, bad field number). */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

/** One field key: its number and wire type. */
export interface Tag {
  readonly field: number;
  readonly wireType: number;
}

const MAX_VARINT_BYTES = 10;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const MAX_GROUP_DEPTH = 100;

/** A cursor over one message's bytes. Reads advance it; `done` is true at the end. */
export class WireReader {
  private pos: number;
  private readonly end: number;

  constructor(private readonly buf: Uint8Array) {
    this.pos = 0;
    this.end = buf.length;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The offset of the next byte to read (for error messages). */
  get offset(): number {
    return this.pos;
  }

  /** Reads a field key; throws for field number 0, numbers past 2^29-1 and wire types 6 and 7. */
  readTag(): Tag {
    const key = this.readVarint();
    const wireType = Number(key & 7n);
    const field = key >> 3n;
    if (field === 0n || field > BigInt(MAX_FIELD_NUMBER)) throw new WireFormatError(`invalid field number ${field} at offset ${this.pos}`);
    if (wireType > WireType.Fixed32) throw new WireFormatError(`invalid wire type ${wireType} at offset ${this.pos}`);
    return { field: Number(field), wireType };
  }

  /** Reads a base-128 varint of at most 10 bytes as an unsigned 64-bit value. */
  readVarint(): bigint {
    // Fast path: tags, lengths and most values fit in 4 bytes (28 bits), where number arithmetic is exact.
    let small = 0;
    for (let i = 0; i < 4; i++) {
      const byte = this.byte();
      small |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) return BigInt(small);
    }
    let result = BigInt(small);
    for (let i = 4; i < MAX_VARINT_BYTES; i++) {
      const byte = this.byte();
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new WireFormatError(`varint longer than ${MAX_VARINT_BYTES} bytes at offset ${this.pos}`);
  }

  /** Reads 8 little-endian bytes as an unsigned 64-bit value. */
  readFixed64(): bigint {
    const bytes = this.take(8);
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  }

  /** Reads 4 little-endian bytes as an unsigned 32-bit value. */
  readFixed32(): number {
    const bytes = this.take(4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  /** Reads a length-delimited field's payload (a view, not a copy). */
  readBytes(): Uint8Array {
    const length = this.readVarint();
    if (length > BigInt(this.end - this.pos)) {
      throw new WireFormatError(
        `length ${length} at offset ${this.pos} runs past the end of the message (${this.end - this.pos} bytes left)`,
      );
    }
    return this.take(Number(length));
  }

  /** Skips the value of a field whose tag was just read. */
  skip(tag: Tag, depth = 0): void {
    switch (tag.wireType) {
      case WireType.Varint:
        this.readVarint();
        return;
      case WireType.Fixed64:
        this.take(8);
        return;
      case WireType.LengthDelimited:
        this.readBytes();
        return;
      case WireType.Fixed32:
        this.take(4);
        return;
      case WireType.StartGroup:
        this.skipGroup(tag.field, depth + 1);
        return;
      default:
        throw new WireFormatError(`unexpected end-group marker for field ${tag.field} at offset ${this.pos}`);
    }
  }

  private skipGroup(field: number, depth: number): void {
    if (depth > MAX_GROUP_DEPTH) throw new WireFormatError('groups nested too deeply');
    for (;;) {
      if (this.done) throw new WireFormatError(`group for field ${field} is not closed`);
      const inner = this.readTag();
      if (inner.wireType === WireType.EndGroup) {
        if (inner.field !== field) throw new WireFormatError(`group for field ${field} closed by field ${inner.field}`);
        return;
      }
      this.skip(inner, depth);
    }
  }

  private byte(): number {
    if (this.pos >= this.end) throw new WireFormatError(`unexpected end of input at offset ${this.pos}`);
    return this.buf[this.pos++] as number;
  }

  private take(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new WireFormatError(`unexpected end of input at offset ${this.pos} (${n} bytes wanted)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
