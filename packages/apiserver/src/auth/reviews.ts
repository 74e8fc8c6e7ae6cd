/**
 * The authentication.k8s.io and authorization.k8s.io endpoints the request
 * filter answers itself (they store nothing): SelfSubjectAccessReview
 * (`kubectl auth can-i`), SubjectAccessReview and LocalSubjectAccessReview
 * (may another user do this?), SelfSubjectReview (`kubectl auth whoami`),
 * TokenReview (who does this token belong to?), and the TokenRequest
 * subresource `serviceaccounts/<name>/token` (`kubectl create token`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, notFound, SERVICEACCOUNTS, type KubeObject } from '@skiff/api';
import { mediaType, parseBody, readBody } from '../http/body.js';
import { writeJson } from '../http/respond.js';
import type { GenericRegistry } from '../registry/generic.js';
import type { RequestAttributes } from './attributes.js';
import type { Authorizer, PolicyRule } from './rbac.js';
import { DEFAULT_AUDIENCES, type ServiceAccountTokenIssuer } from './service-account-token.js';
import type { UserInfo } from './user.js';

export const SELF_SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const SELF_SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
export const SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';
export const SELF_SUBJECT_RULES_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
/** `/apis/authorization.k8s.io/v1/namespaces/<ns>/localsubjectaccessreviews` → the namespace. */
const LOCAL_SUBJECT_ACCESS_REVIEW_RE = /^\/apis\/authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/localsubjectaccessreviews$/;

/** The namespace of a LocalSubjectAccessReview path, else undefined. */
export function localSubjectAccessReviewNamespace(path: string): string | undefined {
  const m = LOCAL_SUBJECT_ACCESS_REVIEW_RE.exec(path);
  return m === null ? undefined : decodeURIComponent(m[1] ?? '');
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = parseBody(await readBody(req), mediaType(req));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  return body as Record<string, unknown>;
}

interface AccessReviewSpec {
  resourceAttributes?: { verb?: string; group?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  nonResourceAttributes?: { verb?: string; path?: string };
}

interface SubjectAccessReviewSpec extends AccessReviewSpec {
  user?: string;
  groups?: string[] | null;
  uid?: string;
  extra?: Record<string, string[]> | null;
}

/** The attributes an access review asks about; 400 when it names neither kind. */
function accessReviewAttributes(spec: AccessReviewSpec): RequestAttributes {
  if (spec.resourceAttributes !== undefined) {
    const r = spec.resourceAttributes;
    return {
      kind: 'resource',
      verb: r.verb ?? '',
      group: r.group ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
    };
  }
  if (spec.nonResourceAttributes !== undefined) {
    return { kind: 'nonResource', verb: spec.nonResourceAttributes.verb ?? '', path: spec.nonResourceAttributes.path ?? '' };
  }
  throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
}

/** Writes an access review's answer: the spec back, and whether it is allowed (RBAC never denies explicitly). */
function writeAccessReview(
  res: ServerResponse,
  kind: string,
  namespace: string | undefined,
  spec: AccessReviewSpec,
  user: UserInfo,
  authorize: Authorizer,
): void {
  const decision = authorize.authorize(user, accessReviewAttributes(spec));
  writeJson(res, 201, {
    kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { ...(namespace === undefined ? {} : { namespace }), creationTimestamp: null },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason === '' ? {} : { reason: decision.reason }) },
  });
}

/** Answers a SelfSubjectAccessReview for the caller. */
export async function selfSubjectAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  authorize: Authorizer,
): Promise<void> {
  const review = await readJsonObject(req);
  writeAccessReview(res, 'SelfSubjectAccessReview', undefined, review['spec'] ?? {}, user, authorize);
}

/**
 * Answers a SubjectAccessReview (cluster-wide) or, with `namespace`, a
 * LocalSubjectAccessReview, whose resourceAttributes.namespace must be empty
 * or that namespace (400 otherwise, as upstream). The user asked about is
 * `spec.user` with `spec.groups`, exactly as given (no `system:authenticated`
 * added: the reviewer states the groups).
 */
export async function subjectAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  authorize: Authorizer,
  namespace?: string,
): Promise<void> {
  const review = await readJsonObject(req);
  const spec = (review['spec'] ?? {}) as SubjectAccessReviewSpec;
  if ((spec.user ?? '') === '' && (spec.groups ?? []).length === 0) throw badRequest('at least one of user or group must be specified');
  let asked: AccessReviewSpec = spec;
  if (namespace !== undefined) {
    const own = spec.resourceAttributes?.namespace ?? '';
    if (spec.nonResourceAttributes !== undefined) throw badRequest('disallowed on this kind of request');
    if (own !== '' && own !== namespace)
      throw badRequest(`spec.resourceAttributes.namespace must match metadata.namespace: "${own}" != "${namespace}"`);
    asked = { ...spec, resourceAttributes: { ...spec.resourceAttributes, namespace } };
  }
  const subject: UserInfo = {
    name: spec.user ?? '',
    groups: spec.groups ?? [],
    ...(spec.uid === undefined ? {} : { uid: spec.uid }),
    ...(spec.extra === undefined || spec.extra === null ? {} : { extra: spec.extra }),
  };
  writeAccessReview(
    res,
    namespace === undefined ? 'SubjectAccessReview' : 'LocalSubjectAccessReview',
    namespace,
    asked,
    subject,
    authorize,
  );
}

/** Checks a bearer token for the caller; always 201, the outcome is in the status. */
export type TokenAuthenticator = (
  token: string,
  audiences?: readonly string[],
) => { user: UserInfo; audiences?: string[] } | { error: string };

/** Answers a TokenReview: whom `spec.token` authenticates as, for `spec.audiences` when given. */
export async function tokenReview(req: IncomingMessage, res: ServerResponse, authenticateToken: TokenAuthenticator): Promise<void> {
  const review = await readJsonObject(req);
  const spec = (review['spec'] ?? {}) as { token?: string; audiences?: string[] | null };
  if (typeof spec.token !== 'string' || spec.token === '') throw badRequest('spec.token: Required value: token must be specified');
  const audiences = spec.audiences === undefined || spec.audiences === null || spec.audiences.length === 0 ? undefined : spec.audiences;
  const outcome = authenticateToken(spec.token, audiences);
  const status =
    'error' in outcome
      ? { authenticated: false, user: {}, error: outcome.error }
      : {
          authenticated: true,
          user: {
            username: outcome.user.name,
            ...(outcome.user.uid === undefined ? {} : { uid: outcome.user.uid }),
            groups: outcome.user.groups,
            ...(outcome.user.extra === undefined ? {} : { extra: outcome.user.extra }),
          },
          ...(outcome.audiences === undefined ? {} : { audiences: outcome.audiences }),
        };
  writeJson(res, 201, {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: spec.token, ...(audiences === undefined ? {} : { audiences }) },
    status,
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

/**
 * Answers a SelfSubjectRulesReview (`kubectl auth can-i --list`): the caller's
 * RBAC rules in `spec.namespace`, split into resource and non-resource rules.
 * `incomplete` is true for a node, whose Node-authorizer permissions depend on
 * its pods and are not rules.
 */
export async function selfSubjectRulesReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  rulesFor: (user: UserInfo, namespace: string) => PolicyRule[],
  isNode: boolean,
): Promise<void> {
  const review = await readJsonObject(req);
  const spec = (review['spec'] ?? {}) as { namespace?: string };
  const namespace = spec.namespace ?? '';
  const resourceRules: Array<Record<string, string[]>> = [];
  const nonResourceRules: Array<Record<string, string[]>> = [];
  for (const rule of rulesFor(user, namespace)) {
    if ((rule.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs ?? [] });
    if ((rule.resources ?? []).length > 0) {
      resourceRules.push({
        verbs: rule.verbs,
        apiGroups: rule.apiGroups ?? [],
        resources: rule.resources ?? [],
        ...((rule.resourceNames ?? []).length > 0 ? { resourceNames: rule.resourceNames ?? [] } : {}),
      });
    }
  }
  writeJson(res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: { resourceRules, nonResourceRules, incomplete: isNode },
  });
}
