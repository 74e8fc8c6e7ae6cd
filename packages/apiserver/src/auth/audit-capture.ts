/**
 * What the audit log records of a request's and a response's bodies. A
 * request audited at Request or RequestResponse level gets a capture; the
 * body reader and the response writers hand it what passes through them (a
 * WeakMap lookup, nothing else, for requests without one). Bodies are decoded
 * only when the event is written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError, Status } from '@skiff/api';

export interface BodyCapture {
  /** The raw request body and its media type, as read. */
  request?: { raw: Buffer; type: string };
  /** The response body: an object, or JSON text. Set only when `wantsResponse`. */
  response?: unknown;
  readonly wantsResponse: boolean;
}

const captures = new WeakMap<object, BodyCapture>();
const failures = new WeakMap<ServerResponse, Status>();

/** Starts capturing this request's body (and, with `wantsResponse`, its response's). */
export function startCapture(req: IncomingMessage, res: ServerResponse, wantsResponse: boolean): BodyCapture {
  const capture: BodyCapture = { wantsResponse };
  captures.set(req, capture);
  captures.set(res, capture);
  return capture;
}

/** Called by the body reader with every request body it reads. */
export function captureRequestBody(req: IncomingMessage, raw: Buffer): void {
  const capture = captures.get(req);
  if (capture !== undefined)
    capture.request = { raw, type: (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '' };
}

/** Called by the response writers with the body they send (an object, or JSON text). */
export function captureResponseBody(res: ServerResponse, body: unknown): void {
  const capture = captures.get(res);
  if (capture?.wantsResponse === true) capture.response = body;
}

/** Called when a request fails: the audit event's responseStatus carries the Status' message and reason. */
export function noteFailure(res: ServerResponse, err: ApiError): void {
  failures.set(res, err.toStatus());
}

/** The Status a failed response sent, if any. */
export function failureOf(res: ServerResponse): Status | undefined {
  return failures.get(res);
}
