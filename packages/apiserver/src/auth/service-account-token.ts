/**
 * ServiceAccount tokens: JWTs signed ES256 (P-256 key) or RS256 (RSA key) with
 * the key `skiff up` generates, with the claims of upstream's bound tokens
 * (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, and `kubernetes.io` naming the
 * namespace and the ServiceAccount with its uid). A token verifies only while
 * it is unexpired, its audience matches and its ServiceAccount still exists
 * with the same uid.
 */
import { createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SERVICE_ACCOUNT_PREFIX, SERVICE_ACCOUNTS_GROUP, type UserInfo } from './user.js';

/** The issuer and default audience of tokens, as upstream's default. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_AUDIENCES: readonly string[] = ['https://kubernetes.default.svc.cluster.local'];

/** The claims of a bound ServiceAccount token. */
export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

/** Looks a ServiceAccount's uid up (undefined: it does not exist). */
export type ServiceAccountUidLookup = (namespace: string, name: string) => string | undefined;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function algorithmOf(key: KeyObject): 'ES256' | 'RS256' {
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw new Error(`unsupported ServiceAccount signing key type ${String(key.asymmetricKeyType)} (use P-256 or RSA)`);
}

/** Issues tokens with a private key. */
export class ServiceAccountTokenIssuer {
  private readonly algorithm: 'ES256' | 'RS256';

  constructor(
    private readonly key: KeyObject,
    private readonly issuer = DEFAULT_ISSUER,
  ) {
    this.algorithm = algorithmOf(key);
  }

  static fromFile(path: string, issuer?: string): ServiceAccountTokenIssuer {
    return new ServiceAccountTokenIssuer(createPrivateKey(readFileSync(path)), issuer);
  }

  /** A signed token for the ServiceAccount, valid for `seconds` from now. */
  issue(namespace: string, name: string, uid: string, seconds: number, audiences: readonly string[] = DEFAULT_AUDIENCES): string {
    const now = Math.floor(Date.now() / 1000);
    const claims: ServiceAccountClaims = {
      iss: this.issuer,
      sub: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`,
      aud: [...audiences],
      exp: now + seconds,
      iat: now,
      nbf: now,
      jti: randomUUID(),
      'kubernetes.io': { namespace, serviceaccount: { name, uid } },
    };
    const signingInput = `${base64url(JSON.stringify({ alg: this.algorithm, typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${base64url(signature)}`;
  }
}

/** Verifies tokens with the public half of the signing key. */
export class ServiceAccountTokenVerifier {
  private readonly algorithm: 'ES256' | 'RS256';

  constructor(
    private readonly key: KeyObject,
    private readonly serviceAccountUid: ServiceAccountUidLookup,
    private readonly issuer = DEFAULT_ISSUER,
    private readonly audiences: readonly string[] = DEFAULT_AUDIENCES,
  ) {
    this.algorithm = algorithmOf(key);
  }

  /** From a PEM file holding the public key, or the private key (its public half is used). */
  static fromFile(path: string, lookup: ServiceAccountUidLookup): ServiceAccountTokenVerifier {
    return new ServiceAccountTokenVerifier(createPublicKey(readFileSync(path)), lookup);
  }

  /** True when the text looks like a JWT of our issuer (so other authenticators need not try it). */
  static looksLikeJwt(token: string): boolean {
    return token.split('.').length === 3 && token.startsWith('ey');
  }

  /**
   * The ServiceAccount user, or a reason the token is refused. `audiences`
   * (default: the server's) are those the token must carry one of.
   */
  verify(token: string, audiences: readonly string[] = this.audiences): { user: UserInfo; audiences: string[] } | { error: string } {
    const [head = '', body = '', sig = ''] = token.split('.');
    let header: { alg?: string };
    let claims: Partial<ServiceAccountClaims>;
    try {
      header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<ServiceAccountClaims>;
    } catch {
      return { error: 'malformed token' };
    }
    if (header.alg !== this.algorithm) return { error: `unexpected signing algorithm ${String(header.alg)}` };
    const signed = verify(
      'sha256',
      Buffer.from(`${head}.${body}`),
      { key: this.key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(sig, 'base64url'),
    );
    if (!signed) return { error: 'invalid signature' };
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.issuer) return { error: 'token issuer is not trusted' };
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { error: 'token has expired' };
    if (typeof claims.nbf === 'number' && claims.nbf > now + 60) return { error: 'token is not valid yet' };
    const matched = (claims.aud ?? []).filter((a) => audiences.includes(a));
    if (matched.length === 0) return { error: 'token audiences is invalid' };
    const k8s = claims['kubernetes.io'];
    if (k8s === undefined) return { error: 'token has no kubernetes.io claims' };
    const { namespace } = k8s;
    const { name, uid } = k8s.serviceaccount;
    const current = this.serviceAccountUid(namespace, name);
    if (current === undefined) return { error: `service account ${namespace}/${name} has been deleted` };
    if (current !== uid) return { error: `service account UID (${uid}) does not match current (${current})` };
    return {
      user: {
        name: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`,
        uid,
        groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`],
        extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti ?? ''}`] },
      },
      audiences: matched,
    };
  }
}
