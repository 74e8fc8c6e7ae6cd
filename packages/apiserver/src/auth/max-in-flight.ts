/**
 * Overload protection, as kube-apiserver's max-in-flight filter: at most
 * `maxReadonly` non-mutating and `maxMutating` mutating requests at once
 * (watches and other long-running requests are exempt); past the limit, 429
 * TooManyRequests with `Retry-After: 1`. Fairness: one user may hold at most
 * `perUserShare` of either pool, so a client flooding the server gets 429s
 * while the rest of the pool stays free for everyone else.
 */
import { ApiError } from '@skiff/api';

export interface MaxInFlightOptions {
  /** `--max-requests-inflight` (default 400). */
  maxReadonly?: number;
  /** `--max-mutating-requests-inflight` (default 200). */
  maxMutating?: number;
  /** The fraction of a pool one user may hold (default 0.5). */
  perUserShare?: number;
}

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The answer past the limit. */
export function tooManyRequests(): ApiError {
  return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.');
}

class Pool {
  private total = 0;
  private readonly byUser = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly perUser: number,
  ) {}

  tryAcquire(user: string): boolean {
    const held = this.byUser.get(user) ?? 0;
    if (this.total >= this.limit || held >= this.perUser) return false;
    this.total++;
    this.byUser.set(user, held + 1);
    return true;
  }

  release(user: string): void {
    this.total--;
    const held = (this.byUser.get(user) ?? 1) - 1;
    if (held <= 0) this.byUser.delete(user);
    else this.byUser.set(user, held);
  }
}

/** Admits requests within the limits; `admit` returns the release function or throws 429. */
export class MaxInFlightLimiter {
  private readonly readonly: Pool;
  private readonly mutating: Pool;

  constructor(options: MaxInFlightOptions = {}) {
    const share = options.perUserShare ?? 0.5;
    const maxReadonly = options.maxReadonly ?? 400;
    const maxMutating = options.maxMutating ?? 200;
    this.readonly = new Pool(maxReadonly, Math.max(1, Math.floor(maxReadonly * share)));
    this.mutating = new Pool(maxMutating, Math.max(1, Math.floor(maxMutating * share)));
  }

  /** Takes a slot for `user`'s request with `verb`; throws 429 when none is free. Long-running requests (watch) take none. */
  admit(user: string, verb: string, longRunning: boolean): () => void {
    if (longRunning) return () => undefined;
    const pool = MUTATING.has(verb) ? this.mutating : this.readonly;
    if (!pool.tryAcquire(user)) throw tooManyRequests();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      pool.release(user);
    };
  }
}
