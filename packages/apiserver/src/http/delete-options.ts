/**
 * DeleteOptions from a DELETE request, as kube-apiserver reads them: the body
 * (a `DeleteOptions` object, as kubectl sends it) or, without a body, the
 * query parameters `gracePeriodSeconds`, `propagationPolicy`,
 * `orphanDependents` (deprecated) and `dryRun`. Query parameters also fill
 * what a body leaves out (a `?dryRun=All` is never ignored).
 *
 * Contract: a body or parameter that cannot be read (malformed JSON, a wrong
 * type, another kind) is a 400 BadRequest; options that read but are not
 * valid (an unknown propagation policy, both `orphanDependents` and
 * `propagationPolicy`, a dry-run value other than `All`) are a 422 Invalid
 * naming `DeleteOptions.meta.k8s.io`, one cause per field.
 */
import { badRequest, DELETION_PROPAGATIONS, invalid, isDeletionPropagation, type StatusCause } from '@skiff/api';
import type { DeleteOptions } from '../registry/generic.js';
import { cause } from '../registry/strategy.js';

/** What the request said, before validation. */
interface RawDeleteOptions {
  gracePeriodSeconds?: number | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  orphanDependents?: boolean | undefined;
  propagationPolicy?: string | undefined;
  dryRun: string[];
}

function fieldTypeError(field: string, expected: string, value: unknown): never {
  throw badRequest(
    `the body of the request could not be decoded: DeleteOptions.${field} must be ${expected}, not ${JSON.stringify(value)}`,
  );
}

/** The fields of a DeleteOptions body, type-checked. */
function fromBody(text: string): RawDeleteOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badRequest('the body of the request must be a DeleteOptions object');
  const body = parsed as Record<string, unknown>;
  const kind = body['kind'];
  if (kind !== undefined && kind !== 'DeleteOptions')
    throw badRequest(`the body of a delete request must be DeleteOptions, not ${JSON.stringify(kind)}`);
  const out: RawDeleteOptions = { dryRun: [] };
  const grace = body['gracePeriodSeconds'];
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) fieldTypeError('gracePeriodSeconds', 'an integer', grace);
    out.gracePeriodSeconds = grace;
  }
  const orphan = body['orphanDependents'];
  if (orphan !== undefined && orphan !== null) {
    if (typeof orphan !== 'boolean') fieldTypeError('orphanDependents', 'a boolean', orphan);
    out.orphanDependents = orphan;
  }
  const policy = body['propagationPolicy'];
  if (policy !== undefined && policy !== null) {
    if (typeof policy !== 'string') fieldTypeError('propagationPolicy', 'a string', policy);
    out.propagationPolicy = policy;
  }
  const dryRun = body['dryRun'];
  if (dryRun !== undefined && dryRun !== null) {
    if (!Array.isArray(dryRun)) fieldTypeError('dryRun', 'a list of strings', dryRun);
    out.dryRun = dryRun.map((v: unknown) => (typeof v === 'string' ? v : fieldTypeError('dryRun', 'a list of strings', dryRun)));
  }
  const pre = body['preconditions'];
  if (pre !== undefined && pre !== null) {
    if (typeof pre !== 'object' || Array.isArray(pre)) fieldTypeError('preconditions', 'an object', pre);
    const { uid, resourceVersion } = pre as Record<string, unknown>;
    if ((uid !== undefined && typeof uid !== 'string') || (resourceVersion !== undefined && typeof resourceVersion !== 'string')) {
      fieldTypeError('preconditions', 'an object of strings', pre);
    }
    out.preconditions = { ...(uid === undefined ? {} : { uid }), ...(resourceVersion === undefined ? {} : { resourceVersion }) };
  }
  return out;
}

/** Go's strconv.ParseBool, which kube-apiserver's parameter codec uses. */
function parseBool(name: string, value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw badRequest(`invalid value for ${name}: ${value}: must be a boolean`);
}

/** Query parameters fill the fields the body did not set. */
function withQuery(raw: RawDeleteOptions, q: URLSearchParams): RawDeleteOptions {
  const grace = q.get('gracePeriodSeconds');
  if (raw.gracePeriodSeconds === undefined && grace !== null && grace !== '') {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid value for gracePeriodSeconds: ${grace}`);
    raw.gracePeriodSeconds = n;
  }
  const orphan = q.get('orphanDependents');
  if (raw.orphanDependents === undefined && orphan !== null && orphan !== '') raw.orphanDependents = parseBool('orphanDependents', orphan);
  const policy = q.get('propagationPolicy');
  if (raw.propagationPolicy === undefined && policy !== null && policy !== '') raw.propagationPolicy = policy;
  raw.dryRun = [...raw.dryRun, ...q.getAll('dryRun')];
  return raw;
}

/** Kubernetes' ValidateDeleteOptions: the causes of a 422. */
function validate(raw: RawDeleteOptions): StatusCause[] {
  const causes: StatusCause[] = [];
  const policy = raw.propagationPolicy;
  if (raw.orphanDependents !== undefined && policy !== undefined) {
    causes.push(
      cause(
        'FieldValueInvalid',
        'propagationPolicy',
        `Invalid value: "${policy}": orphanDependents and deletionPropagation cannot be both set`,
      ),
    );
  }
  if (policy !== undefined && !isDeletionPropagation(policy)) {
    const supported = [...DELETION_PROPAGATIONS, 'nil'].map((p) => `"${p}"`).join(', ');
    causes.push(cause('FieldValueNotSupported', 'propagationPolicy', `Unsupported value: "${policy}": supported values: ${supported}`));
  }
  const badDryRun = raw.dryRun.filter((v) => v !== 'All');
  if (badDryRun.length > 0) {
    causes.push(cause('FieldValueNotSupported', 'dryRun', `Unsupported value: ${JSON.stringify(raw.dryRun)}: supported values: "All"`));
  }
  return causes;
}

/** The registry's DeleteOptions for a DELETE with this raw body and query. */
export function parseDeleteOptions(body: Buffer, q: URLSearchParams): DeleteOptions {
  const text = body.toString('utf8');
  const raw = withQuery(text.trim() === '' ? { dryRun: [] } : fromBody(text), q);
  const causes = validate(raw);
  if (causes.length > 0) throw invalid('DeleteOptions', 'meta.k8s.io', '', causes);
  const policy = raw.propagationPolicy;
  return {
    dryRun: raw.dryRun.length > 0,
    gracePeriodSeconds: raw.gracePeriodSeconds,
    preconditions: raw.preconditions,
    orphanDependents: raw.orphanDependents,
    propagationPolicy: policy !== undefined && isDeletionPropagation(policy) ? policy : undefined,
  };
}
