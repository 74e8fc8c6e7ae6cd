/**
 * Decodes one protobuf message into the JSON value Go's encoding/json would
 * write for the same Go struct, driven by a message table (see schema.ts).
 *
 * Contract:
 * - Fields missing from the table are skipped and reported in `warnings`
 *   (at most MAX_WARNINGS lines, then one line counting the rest).
 * - A known field with the wrong wire type, or bytes that are not protobuf,
 *   throw `WireFormatError`.
 * - A non-repeated message field seen twice is merged (protobuf semantics); a
 *   scalar seen twice keeps the last value; repeated numeric fields may be packed.
 * - int64 values become JS numbers, exact up to 2^53 (as `JSON.parse` would).
 */
import { WireFormatError, WireReader, WireType } from './wire.js';
import type { FieldSpec, FieldType, MessageType, ScalarType } from './schema.js';

/** Most warnings kept per body; beyond it only a count is added. */
export const MAX_WARNINGS = 50;

/** What the decoder has noticed so far in one body. */
export interface DecodeContext {
  readonly warnings: string[];
  /** Unknown fields seen past MAX_WARNINGS. */
  dropped: number;
}

/** A field's raw occurrences: varints and fixed values as bigint, length-delimited payloads as bytes. */
type Occurrence = { readonly wireType: number; readonly value: bigint | Uint8Array };

const utf8 = new TextDecoder('utf-8');

/** Decodes `bytes` as a `type` message into its Go JSON form. */
export function decodeMessage(bytes: Uint8Array, type: MessageType, path: string, ctx: DecodeContext): unknown {
  const seen = collect(bytes, type, path, ctx);
  const out: Record<string, unknown> = {};
  for (const field of type.fields) {
    writeField(out, field, seen.get(field.no) ?? [], `${path}.${field.json}`, ctx);
  }
  return type.toJson === undefined ? out : type.toJson(out);
}

/** Adds an unknown-field warning, counting instead once MAX_WARNINGS are kept. */
export function warn(ctx: DecodeContext, line: string): void {
  if (ctx.warnings.length < MAX_WARNINGS) ctx.warnings.push(line);
  else ctx.dropped++;
}

function collect(bytes: Uint8Array, type: MessageType, path: string, ctx: DecodeContext): Map<number, Occurrence[]> {
  const reader = new WireReader(bytes);
  const seen = new Map<number, Occurrence[]>();
  while (!reader.done) {
    const tag = reader.readTag();
    const field = type.byNumber.get(tag.field);
    if (field === undefined) {
      reader.skip(tag);
      warn(ctx, `${path}: unknown field ${tag.field} (wire type ${tag.wireType}) of ${type.name} skipped`);
      continue;
    }
    const value = readValue(reader, tag.wireType, `${path}.${field.json}`);
    const list = seen.get(tag.field);
    if (list === undefined) seen.set(tag.field, [{ wireType: tag.wireType, value }]);
    else list.push({ wireType: tag.wireType, value });
  }
  return seen;
}

function readValue(reader: WireReader, wireType: number, path: string): bigint | Uint8Array {
  switch (wireType) {
    case WireType.Varint:
      return reader.readVarint();
    case WireType.Fixed64:
      return reader.readFixed64();
    case WireType.Fixed32:
      return BigInt(reader.readFixed32());
    case WireType.LengthDelimited:
      return reader.readBytes();
    default:
      throw new WireFormatError(`${path}: groups (wire type ${wireType}) are not used by Kubernetes types`);
  }
}

function writeField(out: Record<string, unknown>, field: FieldSpec, occurrences: Occurrence[], path: string, ctx: DecodeContext): void {
  switch (field.shape) {
    case 'list': {
      const items = listItems(field.type, occurrences, path, ctx);
      if (items.length > 0) out[field.json] = items;
      else if (!field.omitempty) out[field.json] = null;
      return;
    }
    case 'map': {
      const entries = mapEntries(field.type, occurrences, path, ctx);
      if (Object.keys(entries).length > 0) out[field.json] = entries;
      else if (!field.omitempty) out[field.json] = null;
      return;
    }
    case 'pointer':
      if (occurrences.length > 0) out[field.json] = single(field.type, occurrences, path, ctx);
      else if (!field.omitempty) out[field.json] = null;
      return;
    case 'inline': {
      const inner = single(field.type, occurrences, path, ctx);
      if (typeof inner === 'object' && inner !== null) Object.assign(out, inner);
      return;
    }
    case 'value': {
      if (typeof field.type !== 'string') {
        out[field.json] = single(field.type, occurrences, path, ctx);
        return;
      }
      if (occurrences.length === 0) {
        if (!field.omitempty) out[field.json] = field.type === 'bytes' ? null : zero(field.type);
        return;
      }
      const value = single(field.type, occurrences, path, ctx);
      if (!(field.omitempty && isZero(value))) out[field.json] = value;
      return;
    }
  }
}

/** The value of a non-repeated field: the last scalar, or all message occurrences merged. */
function single(type: FieldType, occurrences: Occurrence[], path: string, ctx: DecodeContext): unknown {
  if (typeof type !== 'string') {
    const parts = occurrences.map((o) => expectBytes(o, path));
    return decodeMessage(parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts), type, path, ctx);
  }
  const last = occurrences[occurrences.length - 1];
  return last === undefined ? zero(type) : scalar(type, last, path);
}

function listItems(type: FieldType, occurrences: Occurrence[], path: string, ctx: DecodeContext): unknown[] {
  const items: unknown[] = [];
  for (const occurrence of occurrences) {
    const at = `${path}[${items.length}]`;
    if (typeof type !== 'string') items.push(decodeMessage(expectBytes(occurrence, at), type, at, ctx));
    else if (isNumeric(type) && occurrence.wireType === WireType.LengthDelimited)
      items.push(...packed(type, occurrence.value as Uint8Array));
    else items.push(scalar(type, occurrence, at));
  }
  return items;
}

function mapEntries(type: FieldType, occurrences: Occurrence[], path: string, ctx: DecodeContext): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (const occurrence of occurrences) {
    const reader = new WireReader(expectBytes(occurrence, path));
    let key = '';
    const values: Occurrence[] = [];
    while (!reader.done) {
      const tag = reader.readTag();
      if (tag.field === 1)
        key = scalar('string', { wireType: tag.wireType, value: readValue(reader, tag.wireType, path) }, `${path} key`) as string;
      else if (tag.field === 2) values.push({ wireType: tag.wireType, value: readValue(reader, tag.wireType, path) });
      else {
        reader.skip(tag);
        warn(ctx, `${path}: unknown field ${tag.field} (wire type ${tag.wireType}) of a map entry skipped`);
      }
    }
    const at = `${path}[${JSON.stringify(key)}]`;
    Object.defineProperty(entries, key, {
      value: values.length === 0 && typeof type === 'string' ? zero(type) : single(type, values, at, ctx),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return entries;
}

function scalar(type: ScalarType, occurrence: Occurrence, path: string): unknown {
  const { wireType, value } = occurrence;
  if (type === 'string' || type === 'bytes') {
    if (!(value instanceof Uint8Array)) throw new WireFormatError(`${path}: wire type ${wireType} where a ${type} (wire type 2) belongs`);
    return type === 'string' ? utf8.decode(value) : Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
  }
  if (wireType !== WireType.Varint || typeof value !== 'bigint') {
    throw new WireFormatError(`${path}: wire type ${wireType} where a ${type} (wire type 0) belongs`);
  }
  return numeric(type, value);
}

function numeric(type: 'bool' | 'int32' | 'int64', value: bigint): boolean | number {
  if (type === 'bool') return value !== 0n;
  return Number(BigInt.asIntN(type === 'int32' ? 32 : 64, value));
}

function packed(type: 'bool' | 'int32' | 'int64', bytes: Uint8Array): (boolean | number)[] {
  const reader = new WireReader(bytes);
  const items: (boolean | number)[] = [];
  while (!reader.done) items.push(numeric(type, reader.readVarint()));
  return items;
}

function expectBytes(occurrence: Occurrence, path: string): Uint8Array {
  if (!(occurrence.value instanceof Uint8Array)) {
    throw new WireFormatError(`${path}: wire type ${occurrence.wireType} where a message (wire type 2) belongs`);
  }
  return occurrence.value;
}

function isNumeric(type: ScalarType): type is 'bool' | 'int32' | 'int64' {
  return type === 'bool' || type === 'int32' || type === 'int64';
}

function zero(type: ScalarType): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
