/**
 * One probe's result state with upstream's threshold rules: a result flips only after successThreshold
 * consecutive successes or failureThreshold consecutive failures. The initial result is upstream's:
 * readiness Failure (not ready until proven), liveness Success, startup Unknown (not started).
 */
export type ProbeType = 'Liveness' | 'Readiness' | 'Startup';
export type ProbeVerdict = 'success' | 'failure' | 'unknown';

export class ProbeState {
  private successes = 0;
  private failures = 0;
  private current: ProbeVerdict;

  constructor(
    readonly type: ProbeType,
    private readonly successThreshold: number,
    private readonly failureThreshold: number,
  ) {
    this.current = type === 'Readiness' ? 'failure' : type === 'Liveness' ? 'success' : 'unknown';
  }

  get verdict(): ProbeVerdict {
    return this.current;
  }

  /** Counts one run; returns true when the verdict changed. */
  record(ok: boolean): boolean {
    if (ok) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
    }
    const next = ok
      ? this.successes >= this.successThreshold
        ? 'success'
        : this.current
      : this.failures >= this.failureThreshold
        ? 'failure'
        : this.current;
    const changed = next !== this.current;
    this.current = next;
    return changed;
  }
}
