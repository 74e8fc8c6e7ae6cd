/**
 * The admission chain: mutating plugins in order, then (after the registry's
 * validation) validating plugins in order. The first refusal ends the request.
 */
import type { AdmissionAttributes, AdmissionSettle, MutatingPlugin, ValidatingPlugin } from './types.js';

export class AdmissionChain {
  constructor(
    private readonly mutating: readonly MutatingPlugin[],
    private readonly validating: readonly ValidatingPlugin[],
    private readonly onStop: () => void = () => undefined,
  ) {}

  /** A chain without plugins (every request is admitted unchanged). */
  static empty(): AdmissionChain {
    return new AdmissionChain([], []);
  }

  /**
   * Runs the mutating phase: each plugin that handles the request may change `a.object` or throw. Returns
   * a promise only when a plugin had to wait (the rest then run after it), so the usual path stays synchronous.
   */
  admit(a: AdmissionAttributes, from = 0): void | Promise<void> {
    for (let i = from; i < this.mutating.length; i++) {
      const p = this.mutating[i] as MutatingPlugin;
      if (!p.handles(a)) continue;
      const waiting = p.admit(a);
      if (waiting instanceof Promise) return waiting.then(() => this.admit(a, i + 1));
    }
    return undefined;
  }

  /**
   * Runs the validating phase. Resolves to the settle callback the caller must
   * call once the write is over (committed revision, or undefined). Plugins
   * that answer synchronously are not awaited (no microtask per plugin on the
   * create path).
   */
  async validate(a: AdmissionAttributes): Promise<AdmissionSettle> {
    const settles: AdmissionSettle[] = [];
    try {
      for (const p of this.validating) {
        if (!p.handles(a)) continue;
        const outcome = p.validate(a);
        const settle = outcome instanceof Promise ? await outcome : outcome;
        if (settle !== undefined) settles.push(settle);
      }
    } catch (err) {
      for (const s of settles) s(undefined);
      throw err;
    }
    if (settles.length === 0) return NO_SETTLE;
    return (revision) => {
      for (const s of settles) s(revision);
    };
  }

  /** Stops the plugins' background work (index subscriptions, the quota recount). */
  stop(): void {
    this.onStop();
  }
}

const NO_SETTLE: AdmissionSettle = () => undefined;
