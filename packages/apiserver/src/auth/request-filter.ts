/**
 * The security filters every request passes before routing, in
 * kube-apiserver's order: authentication (401 for anonymous or bad
 * credentials), audit (events at the stages and levels the policy asks), max-in-flight
 * (429), then authorization (403 with upstream's message). Health and
 * version paths pass unauthenticated. The self-review endpoints and TokenRequest
 * are answered here. The insecure mode (no authenticator) passes everything.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, objectKey, SERVICEACCOUNTS } from '@skiff/api';
import type { ApiRoute } from '../http/route.js';
import type { GenericRegistry } from '../registry/generic.js';
import type { WatchCache } from '../storage/watch-cache.js';
import { forbiddenMessage, requestAttributes, type RequestAttributes } from './attributes.js';
import type { AuditLog } from './audit.js';
import type { Authenticator } from './authenticator.js';
import type { MaxInFlightLimiter } from './max-in-flight.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';
import { RbacAuthorizer, type Authorizer, type Decision } from './rbac.js';
import { RbacIndex } from './rbac-index.js';
import {
  localSubjectAccessReviewNamespace,
  selfSubjectAccessReview,
  selfSubjectReview,
  SELF_SUBJECT_ACCESS_REVIEW_PATH,
  SELF_SUBJECT_REVIEW_PATH,
  SELF_SUBJECT_RULES_REVIEW_PATH,
  selfSubjectRulesReview,
  subjectAccessReview,
  SUBJECT_ACCESS_REVIEW_PATH,
  tokenRequest,
  tokenReview,
  TOKEN_REVIEW_PATH,
} from './reviews.js';
import { setRequestUser } from './request-user.js';
import type { ServiceAccountTokenIssuer } from './service-account-token.js';
import { nodeNameOf, type UserInfo } from './user.js';

/** Paths anyone may GET, as upstream's system:public-info-viewer. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz', '/version']);

/** A followed log stream is long-running, as a watch. */
function isFollow(url: URL): boolean {
  const v = url.searchParams.get('follow');
  return v === 'true' || v === '1';
}

/** Runs the filters; resolves true when it answered the request itself. Throws ApiError (401, 403, ...). */
export type RequestFilter = (req: IncomingMessage, res: ServerResponse, url: URL, route: ApiRoute | undefined) => Promise<boolean>;

/** The authorizers in order: the first that allows decides. */
export class AuthorizerChain implements Authorizer {
  constructor(private readonly authorizers: readonly Authorizer[]) {}

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    let reason = '';
    for (const a of this.authorizers) {
      const d = a.authorize(user, attrs);
      if (d.allowed) return d;
      if (reason === '') reason = d.reason;
    }
    return { allowed: false, reason };
  }
}

export interface SecureFilterOptions {
  authenticator: Authenticator;
  cache: WatchCache;
  registry: GenericRegistry;
  tokenIssuer?: ServiceAccountTokenIssuer;
  /** Max-in-flight limits (requests over HTTP and over NATS alike). */
  limiter?: MaxInFlightLimiter;
  audit?: AuditLog;
}

/** The filters of a secure apiserver: Node and RBAC authorization over the watch cache. */
export function createSecureRequestFilter(options: SecureFilterOptions): {
  filter: RequestFilter;
  authorizer: Authorizer;
  stop: () => void;
} {
  const index = new RbacIndex(options.cache);
  const graph = new NodeGraph(options.cache);
  const rbac = new RbacAuthorizer(index);
  const authorizer = new AuthorizerChain([new NodeAuthorizer(graph), rbac]);
  const filter: RequestFilter = async (req, res, url, route) => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (PUBLIC_PATHS.has(path) && (req.method === 'GET' || req.method === 'HEAD')) return false;
    const attrs = requestAttributes(req, url, route);
    // Requests over NATS are audited as HTTP ones are.
    const audited = options.audit?.begin(req, res, attrs);
    const user = options.authenticator.authenticate(req);
    if (user === undefined) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    setRequestUser(req, user);
    audited?.authenticated(user);
    if (options.limiter !== undefined) {
      let release: () => void;
      try {
        release = options.limiter.admit(user.name, attrs.verb, attrs.verb === 'watch' || isFollow(url));
      } catch (err) {
        res.setHeader('Retry-After', '1');
        throw err;
      }
      res.once('close', release);
      res.once('finish', release);
    }
    if (req.method === 'POST' && path === SELF_SUBJECT_ACCESS_REVIEW_PATH) {
      await selfSubjectAccessReview(req, res, user, authorizer);
      return true;
    }
    if (req.method === 'POST' && path === SELF_SUBJECT_REVIEW_PATH) {
      selfSubjectReview(res, user);
      return true;
    }
    if (req.method === 'POST' && path === SELF_SUBJECT_RULES_REVIEW_PATH) {
      await selfSubjectRulesReview(req, res, user, (u, ns) => rbac.rulesFor(u, ns), nodeNameOf(user) !== undefined);
      return true;
    }
    const decision = authorizer.authorize(user, attrs);
    if (!decision.allowed) {
      const target =
        attrs.kind === 'resource' ? { group: attrs.group, kind: attrs.resource, ...(attrs.name === '' ? {} : { name: attrs.name }) } : {};
      throw new ApiError(403, 'Forbidden', forbiddenMessage(user.name, attrs, decision.reason), target);
    }
    if (route?.kind === 'resource' && route.desc === SERVICEACCOUNTS && route.subresource === 'token' && req.method === 'POST') {
      await tokenRequest(req, res, options.registry, options.tokenIssuer, route.namespace ?? '', route.name ?? '');
      return true;
    }
    if (req.method === 'POST') return answerReview(req, res, path);
    return false;
  };
  /** The reviews that need the create permission checked above (system:auth-delegator grants it). */
  const answerReview = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (path === TOKEN_REVIEW_PATH) {
      await tokenReview(req, res, (token, audiences) => options.authenticator.authenticateToken(token, audiences));
      return true;
    }
    if (path === SUBJECT_ACCESS_REVIEW_PATH) {
      await subjectAccessReview(req, res, authorizer);
      return true;
    }
    const namespace = localSubjectAccessReviewNamespace(path);
    if (namespace !== undefined) {
      await subjectAccessReview(req, res, authorizer, namespace);
      return true;
    }
    return false;
  };
  return {
    filter,
    authorizer,
    stop: () => {
      index.stop();
      graph.stop();
    },
  };
}

/** The uid of a ServiceAccount in the watch cache (for token verification). */
export function serviceAccountUidFromCache(cache: WatchCache): (namespace: string, name: string) => string | undefined {
  return (namespace, name) => cache.get(objectKey(SERVICEACCOUNTS, namespace, name))?.object.metadata?.uid;
}
