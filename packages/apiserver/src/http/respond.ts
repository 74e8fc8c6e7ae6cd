/** Writing responses: JSON bodies and Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { ApiError, internalError } from '@skiff/api';
import { captureResponseBody, noteFailure } from '../auth/audit-capture.js';
import { resultJson } from '../storage/object-json.js';

/** Responses that go out as YAML (the client's Accept asked for it). */
const yamlResponses = new WeakSet<ServerResponse>();

/**
 * Picks the response encoding from the Accept header: JSON (also for protobuf-first
 * clients that accept JSON, and for Table requests), or YAML; 406 NotAcceptable when
 * the client accepts neither.
 */
export function negotiate(req: IncomingMessage, res: ServerResponse): void {
  const accept = req.headers.accept;
  if (accept === undefined || accept.trim() === '') return;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  if (types.some((t) => t === 'application/json' || t === '*/*' || t === 'application/*')) return;
  if (types.includes('application/yaml')) {
    yamlResponses.add(res);
    return;
  }
  throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
}

/** True when this response was negotiated to YAML. */
export function isYaml(res: ServerResponse): boolean {
  return yamlResponses.has(res);
}

/** Writes a body that is already JSON (text, or its UTF-8 bytes). */
export function writeRawJson(res: ServerResponse, code: number, json: string | Buffer): void {
  captureResponseBody(res, json);
  const body = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

/** Writes a JSON body (or YAML, when negotiated) with the given status code. */
export function writeJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  captureResponseBody(res, body);
  if (yamlResponses.has(res) && contentType === 'application/json') {
    const yaml = toYaml(body);
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(yaml) });
    res.end(yaml);
    return;
  }
  const text = resultJson(body) ?? JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes any error as a Kubernetes Status; unknown errors become 500 InternalError. */
export function writeError(res: ServerResponse, err: unknown): ApiError {
  const apiErr = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
  noteFailure(res, apiErr);
  if (res.headersSent) {
    res.destroy();
    return apiErr;
  }
  writeJson(res, apiErr.code, apiErr.toStatus());
  return apiErr;
}

/** A successful Status, as DELETE of a collection or some subresources return. */
export function successStatus(details: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
