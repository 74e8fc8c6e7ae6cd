/** Writing responses: JSON bodies and Status errors. */
import type { ServerResponse } from 'node:http';
import { ApiError, internalError } from '@skiff/api';

/** Writes a JSON body with the given status code. */
export function writeJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes any error as a Kubernetes Status; unknown errors become 500 InternalError. */
export function writeError(res: ServerResponse, err: unknown): ApiError {
  const apiErr = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
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
