/** Reading request bodies, with a size limit and Kubernetes' content types. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '@skiff/api';
import { captureRequestBody } from '../auth/audit-capture.js';
import { decodeKubernetesProtobuf } from './protobuf/index.js';

/** Kubernetes rejects request bodies over 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the raw body; 413 RequestEntityTooLarge past the limit. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
    chunks.push(buf);
  }
  const body = Buffer.concat(chunks);
  captureRequestBody(req, body);
  return body;
}

/** The media type of a request, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? 'application/json';
}

/** Parses a JSON, YAML (apply patches) or Kubernetes protobuf body into a value; 400 when malformed, 415 for kinds it cannot decode. */
export function parseBody(raw: Buffer, type: string): unknown {
  // kubectl 1.32+ sends the built-in types its `create` generators make as protobuf.
  if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(raw).object;
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    if (type === 'application/apply-patch+yaml' || type === 'application/yaml') return parseYaml(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
}
