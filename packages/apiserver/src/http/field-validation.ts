/**
 * `fieldValidation` (Strict, Warn, Ignore) for create, update and patch:
 * unknown and duplicate fields are a 400 in Strict, a `Warning: 299` header
 * each in Warn (the default, as in Kubernetes since 1.27), silently dropped
 * (unknown) or resolved to the last one (duplicate) in Ignore; unknown fields
 * are never stored.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, apiVersionOf, badRequest, type ResourceDescriptor } from '@skiff/api';
import { dropUnknownFields } from '../registry/schema-validation.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The request's mode; 400 for an unsupported value. */
export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
}

/** Adds a `Warning: 299 - "<text>"` header to the response. */
export function addWarning(res: ServerResponse, text: string): void {
  const value = `299 - ${JSON.stringify(text)}`;
  const existing = res.getHeader('Warning');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Warning', [...list, value]);
}

/**
 * Drops the unknown fields of `object` (in place) and applies the mode to
 * them and to the body's `duplicates`: Strict throws a 400 BadRequest
 * (`strict decoding error: unknown field "spec.foo", duplicate field "replicas"`,
 * prefixed on create and update as Kubernetes does), Warn adds one warning per field.
 */
export function enforceFieldValidation(
  desc: ResourceDescriptor,
  object: unknown,
  mode: FieldValidation,
  res: ServerResponse,
  operation: 'create' | 'update' | 'patch',
  duplicates: readonly string[] = [],
): void {
  const unknown = dropUnknownFields(desc, object);
  if ((unknown.length === 0 && duplicates.length === 0) || mode === 'Ignore') return;
  const messages = [
    ...unknown.map((p) => `unknown field ${JSON.stringify(p)}`),
    ...duplicates.map((p) => `duplicate field ${JSON.stringify(p)}`),
  ];
  if (mode === 'Warn') {
    for (const m of messages) addWarning(res, m);
    return;
  }
  const detail = `strict decoding error: ${messages.join(', ')}`;
  const prefix =
    operation === 'patch'
      ? ''
      : `${desc.kind} in version ${JSON.stringify(apiVersionOf(desc).split('/').pop())} cannot be handled as a ${desc.kind}: `;
  throw new ApiError(400, 'BadRequest', `${prefix}${detail}`);
}
