/**
 * The Kubernetes protobuf envelope: the 4 magic bytes `k8s\0`, then a
 * runtime.Unknown message — typeMeta (1: {apiVersion = 1, kind = 2}),
 * raw (2: the object's own message), contentEncoding (3), contentType (4).
 */
import { warn, type DecodeContext } from './decode.js';
import { WireFormatError, WireReader, WireType, type Tag } from './wire.js';

/** `k8s\0`: every Kubernetes protobuf body starts with it. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** What the envelope says about the object inside. */
export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

const utf8 = new TextDecoder('utf-8');

/** Splits a body into its envelope fields; throws `WireFormatError` without the magic or for malformed bytes. */
export function readEnvelope(body: Uint8Array, ctx: DecodeContext): Envelope {
  if (body.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw new WireFormatError('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const reader = new WireReader(body.subarray(PROTOBUF_MAGIC.length));
  const envelope: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  while (!reader.done) {
    const tag = reader.readTag();
    switch (tag.field) {
      case 1:
        readTypeMeta(bytes(reader, tag, 'typeMeta'), envelope, ctx);
        break;
      case 2:
        envelope.raw = bytes(reader, tag, 'raw');
        break;
      case 3:
        envelope.contentEncoding = utf8.decode(bytes(reader, tag, 'contentEncoding'));
        break;
      case 4:
        envelope.contentType = utf8.decode(bytes(reader, tag, 'contentType'));
        break;
      default:
        reader.skip(tag);
        warn(ctx, `envelope: unknown field ${tag.field} (wire type ${tag.wireType}) of runtime.Unknown skipped`);
    }
  }
  return envelope;
}

function readTypeMeta(buf: Uint8Array, into: Envelope, ctx: DecodeContext): void {
  const reader = new WireReader(buf);
  while (!reader.done) {
    const tag = reader.readTag();
    if (tag.field === 1) into.apiVersion = utf8.decode(bytes(reader, tag, 'typeMeta.apiVersion'));
    else if (tag.field === 2) into.kind = utf8.decode(bytes(reader, tag, 'typeMeta.kind'));
    else {
      reader.skip(tag);
      warn(ctx, `envelope.typeMeta: unknown field ${tag.field} (wire type ${tag.wireType}) of runtime.TypeMeta skipped`);
    }
  }
}

function bytes(reader: WireReader, tag: Tag, name: string): Uint8Array {
  if (tag.wireType !== WireType.LengthDelimited) {
    throw new WireFormatError(`envelope.${name}: wire type ${tag.wireType} where wire type 2 belongs`);
  }
  return reader.readBytes();
}
