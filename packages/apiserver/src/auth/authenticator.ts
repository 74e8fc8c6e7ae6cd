/**
 * Authentication: the first credential that identifies the caller wins, in
 * kube-apiserver's order: client certificate, then bearer token (static token
 * file, then ServiceAccount JWT). A request over NATS is its sender's, as the
 * responder attributed it from the subject (a request over NATS carries no other credential). No credential → undefined (anonymous, which
 * the request filter refuses); a credential that is wrong → 401.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '@skiff/api';
import type { ServiceAccountTokenVerifier } from './service-account-token.js';
import { natsSender } from './nats-sender.js';
import { withAuthenticatedGroup, type UserInfo } from './user.js';
import { authenticateClientCertificate } from './x509.js';

export interface AuthenticatorOptions {
  /** token → user, from `--token-auth-file`. */
  staticTokens?: ReadonlyMap<string, UserInfo>;
  serviceAccountTokens?: ServiceAccountTokenVerifier;
}

const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw unauthorized();
  return match[1];
}

/** Identifies the sender of a request. */
export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  /** The caller (with `system:authenticated`), undefined when anonymous; throws 401 for a bad credential. */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const overNats = natsSender(req);
    if (overNats !== undefined) return withAuthenticatedGroup(overNats);
    const fromCert = authenticateClientCertificate(req);
    if (fromCert !== undefined) return withAuthenticatedGroup(fromCert);
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const outcome = this.authenticateToken(token);
    if ('user' in outcome) return outcome.user;
    throw unauthorized();
  }

  /**
   * A bearer token alone, as a TokenReview asks: the static file first, then
   * ServiceAccount JWTs. `audiences` are those the caller wants the token
   * valid for (default: the server's); `audiences` in the result are those it
   * is valid for (the requested ones for audience-agnostic static tokens).
   */
  authenticateToken(token: string, audiences?: readonly string[]): { user: UserInfo; audiences?: string[] } | { error: string } {
    const fromFile = this.options.staticTokens?.get(token);
    if (fromFile !== undefined)
      return { user: withAuthenticatedGroup(fromFile), ...(audiences === undefined ? {} : { audiences: [...audiences] }) };
    const verifier = this.options.serviceAccountTokens;
    if (verifier === undefined) return { error: 'invalid bearer token' };
    const outcome = verifier.verify(token, audiences);
    if ('error' in outcome) return { error: `invalid bearer token, ${outcome.error}` };
    return { user: withAuthenticatedGroup(outcome.user), audiences: outcome.audiences };
  }
}
