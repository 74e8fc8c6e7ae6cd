/**
 * A token bucket (client-go's flowcontrol token bucket rate limiter): tokens
 * accrue at `qps` per second up to `burst`; take() spends one if there is one.
 * A qps of 0 never allows anything. Changing the rate keeps the tokens held.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private qps: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = qps > 0 ? burst : 0;
    this.last = nowMs;
  }

  get rate(): number {
    return this.qps;
  }

  setRate(qps: number, nowMs: number): void {
    this.refill(nowMs);
    this.qps = qps;
    if (qps <= 0) this.tokens = 0;
  }

  /** Spends a token if one is available. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.qps <= 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(nowMs: number): void {
    if (this.qps > 0) this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) / 1000) * this.qps);
    this.last = nowMs;
  }
}
