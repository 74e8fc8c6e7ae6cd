/**
 * The authentication.k8s.io and authorization.k8s.io endpoints the request
 * filter answers itself (they store nothing): SelfSubjectAccessReview
 * (`kubectl auth can-i`), SelfSubjectReview (`kubectl auth whoami`), and the
 * TokenRequest subresource `serviceaccounts/<name>/token` (`kubectl create token`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, notFound, SERVICEACCOUNTS, type KubeObject } from '@skiff/api';
import { mediaType, parseBody, readBody } from '../http/body.js';
import { writeJson } from '../http/respond.js';
import type { GenericRegistry } from '../registry/generic.js';
import type { RequestAttributes } from './attributes.js';
import type { Authorizer } from './rbac.js';
import { DEFAULT_AUDIENCES, type ServiceAccountTokenIssuer } from './service-account-token.js';
import type { UserInfo } from './user.js';

export const SELF_SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const SELF_SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = parseBody(await readBody(req), mediaType(req));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  return body as Record<string, unknown>;
}

interface AccessReviewSpec {
  resourceAttributes?: { verb?: string; group?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  nonResourceAttributes?: { verb?: string; path?: string };
}

/** Answers a SelfSubjectAccessReview for the caller. */
export async function selfSubjectAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  authorize: Authorizer,
): Promise<void> {
  const review = await readJsonObject(req);
  const spec = (review['spec'] ?? {}) as AccessReviewSpec;
  let attrs: RequestAttributes;
  if (spec.resourceAttributes !== undefined) {
    const r = spec.resourceAttributes;
    attrs = {
      kind: 'resource',
      verb: r.verb ?? '',
      group: r.group ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
    };
  } else if (spec.nonResourceAttributes !== undefined) {
    attrs = { kind: 'nonResource', verb: spec.nonResourceAttributes.verb ?? '', path: spec.nonResourceAttributes.path ?? '' };
  } else {
    throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
  }
  const decision = authorize.authorize(user, attrs);
  writeJson(res, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason === '' ? {} : { reason: decision.reason }) },
  });
}

/** Answers a SelfSubjectReview: who the server thinks the caller is. */
export function selfSubjectReview(res: ServerResponse, user: UserInfo): void {
  writeJson(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid === undefined ? {} : { uid: user.uid }),
        groups: user.groups,
        ...(user.extra === undefined ? {} : { extra: user.extra }),
      },
    },
  });
}

/** Default and bounds of a TokenRequest's expirationSeconds, as upstream's. */
const DEFAULT_TOKEN_SECONDS = 3600;
const MIN_TOKEN_SECONDS = 600;
const MAX_TOKEN_SECONDS = 48 * 3600;

/** Issues a token for `serviceaccounts/<name>/token` (a TokenRequest). */
export async function tokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  registry: GenericRegistry,
  issuer: ServiceAccountTokenIssuer | undefined,
  namespace: string,
  name: string,
): Promise<void> {
  if (issuer === undefined) throw notFound('serviceaccounts/token', '', name);
  const body = await readJsonObject(req);
  const spec = (body['spec'] ?? {}) as { audiences?: string[] | null; expirationSeconds?: number | null };
  const seconds = spec.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
  if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS)
    throw badRequest(`spec.expirationSeconds: may not specify a duration less than ${MIN_TOKEN_SECONDS} seconds`);
  const lifetime = Math.min(seconds, MAX_TOKEN_SECONDS);
  const account: KubeObject = await registry.get(SERVICEACCOUNTS, namespace, name);
  const audiences =
    spec.audiences !== undefined && spec.audiences !== null && spec.audiences.length > 0 ? spec.audiences : DEFAULT_AUDIENCES;
  const token = issuer.issue(namespace, name, account.metadata?.uid ?? '', lifetime, audiences);
  writeJson(res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: lifetime, boundObjectRef: null },
    status: { token, expirationTimestamp: new Date(Date.now() + lifetime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  });
}
