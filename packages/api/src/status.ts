import type { Status, StatusCause } from './types.js';

/** The `reason` values of Kubernetes `Status` objects that Skiff returns. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

/** What a Status names as the object an error is about. */
export interface StatusTarget {
  group?: string;
  kind?: string;
  name?: string;
}

/**
 * An error that the API reports as a Kubernetes `Status`. Thrown anywhere in the
 * request chain; the HTTP layer turns it into the response body and code.
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly target: StatusTarget;
  readonly causes: StatusCause[];

  constructor(code: number, reason: StatusReason, message: string, target: StatusTarget = {}, causes: StatusCause[] = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.target = target;
    this.causes = causes;
  }

  /** The `Status` object for this error, as Kubernetes writes it. */
  toStatus(): Status {
    const details: Status['details'] = {};
    if (this.target.name !== undefined) details.name = this.target.name;
    if (this.target.group !== undefined) details.group = this.target.group;
    if (this.target.kind !== undefined) details.kind = this.target.kind;
    if (this.causes.length > 0) details.causes = this.causes;
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (Object.keys(details).length > 0) status.details = details;
    return status;
  }
}

/** Kubernetes' resource naming in messages: `pods "web"` or `deployments.apps "web"`. */
function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** 404 `pods "x" not found`. */
export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { group, kind: resource, name });
}

/** 409 `pods "x" already exists`. */
export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {
    group,
    kind: resource,
    name,
  });
}

/** 409 Conflict for a stale resourceVersion, with Kubernetes' wording. */
export function conflict(resource: string, group: string, name: string, why?: string): ApiError {
  const detail = why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${detail}`, {
    group,
    kind: resource,
    name,
  });
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 422 Invalid: `Pod "x" is invalid: spec.containers: Required value`, one cause per field. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).join(', ');
  const kindName = group === '' ? kind : `${kind}.${group}`;
  return new ApiError(422, 'Invalid', `${kindName} "${name}" is invalid: ${summary}`, { group, kind, name }, causes);
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

/** 410 Gone: a watch or list from a revision the server no longer holds. */
export function gone(message: string): ApiError {
  return new ApiError(410, 'Gone', message);
}

/** 500 InternalError that hides internals but keeps a message. */
export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** True when a value looks like a Kubernetes Status object. */
export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}

/**
 * The ApiError a client reports for an HTTP (or NATS) reply with this code and
 * body: the server's Status when the body is one, else a plain error.
 */
export function apiErrorFromResponse(code: number, text: string): ApiError {
  try {
    const status = JSON.parse(text) as unknown;
    if (isStatus(status)) {
      const details = status.details ?? {};
      return new ApiError(
        status.code ?? code,
        (status.reason ?? 'InternalError') as StatusReason,
        status.message ?? text,
        {
          ...(details.group === undefined ? {} : { group: details.group }),
          ...(details.kind === undefined ? {} : { kind: details.kind }),
          ...(details.name === undefined ? {} : { name: details.name }),
        },
        details.causes ?? [],
      );
    }
  } catch {
    // not JSON
  }
  return new ApiError(code, code === 404 ? 'NotFound' : 'InternalError', text.trim() || `HTTP ${code}`);
}
