/**
 * Tokens for `serviceAccountToken` projections, from the TokenRequest API
 * (`POST serviceaccounts/<name>/token`, bound to the pod), as upstream's
 * kubelet token manager: one token per pod, ServiceAccount, audience and
 * lifetime, reused until 80% of its lifetime has passed, then requested anew
 * (the projection's file is rewritten atomically by the volume manager).
 */
import { SERVICEACCOUNTS, type Pod } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { ProjectionError } from './projection.js';

/** Upstream's default and floor for `expirationSeconds`. */
export const DEFAULT_TOKEN_SECONDS = 3600;
export const MIN_TOKEN_SECONDS = 600;

export interface TokenProjection {
  audience?: string;
  expirationSeconds?: number;
  path: string;
}

interface CachedToken {
  token: string;
  /** When it should be replaced (ms since the epoch): 80% of its lifetime. */
  refreshAt: number;
}

export class ServiceAccountTokens {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly client: ApiClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token for this projection of the pod; requested when missing or due. Throws ProjectionError. */
  async token(pod: Pod, projection: TokenProjection): Promise<string> {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const account = pod.spec?.serviceAccountName ?? 'default';
    const seconds = projection.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
    if (seconds < MIN_TOKEN_SECONDS)
      throw new ProjectionError(`serviceAccountToken expirationSeconds must be at least ${MIN_TOKEN_SECONDS}`);
    const audience = projection.audience ?? '';
    const key = `${uid}\0${account}\0${audience}\0${seconds}`;
    const cached = this.tokens.get(key);
    if (cached !== undefined && this.now() < cached.refreshAt) return cached.token;
    let answer: unknown;
    try {
      answer = await this.client.createSubresource(SERVICEACCOUNTS, namespace, account, 'token', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: audience === '' ? [] : [audience],
          expirationSeconds: seconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid },
        },
      });
    } catch (err) {
      // A token still valid is better than none while the apiserver is away.
      if (cached !== undefined) return cached.token;
      throw new ProjectionError(`failed to fetch token: ${err instanceof Error ? err.message : String(err)}`);
    }
    const status = (answer as { status?: { token?: string; expirationTimestamp?: string } }).status;
    const token = status?.token;
    if (token === undefined || token === '') throw new ProjectionError('failed to fetch token: the TokenRequest answer has no token');
    const expires = Date.parse(status?.expirationTimestamp ?? '');
    const lifetimeMs = Number.isFinite(expires) ? expires - this.now() : seconds * 1000;
    this.tokens.set(key, { token, refreshAt: this.now() + lifetimeMs * 0.8 });
    return token;
  }

  /** Forgets a pod's tokens (its volumes are gone). */
  forget(podUid: string): void {
    for (const key of [...this.tokens.keys()]) if (key.startsWith(`${podUid}\0`)) this.tokens.delete(key);
  }
}
