/**
 * Periodic work for many items, spread evenly over the interval: item i is due
 * at `start + (i / count) × interval`, then once per interval, so N items make
 * N / interval calls per second instead of N calls at once (no thundering
 * herd). Contract:
 * - At most `concurrency` runs are in flight; due items wait in order.
 * - An item is never run twice at once: when it falls due while still queued,
 *   running or waiting to retry, that round is skipped (and counted).
 * - A failed run is retried after `retryDelayMs`, doubling per consecutive
 *   failure up to the interval; a success resets the backoff.
 * - After a stall (a blocked event loop) at most one round is caught up.
 * - stop() clears every timer and resolves once no run is in flight; nothing
 *   runs afterwards.
 */
import { Fifo } from './fifo.js';

export interface SpreadTickerOptions {
  count: number;
  intervalMs: number;
  concurrency: number;
  /** The work for one item; a rejection counts as a failure. */
  run(index: number): Promise<void>;
  onError?(index: number, err: unknown): void;
  /** Called when an item's round is skipped because it is still busy. */
  onSkip?(index: number): void;
  /** How often due items are collected (default 50 ms). */
  tickMs?: number;
  /** First retry delay after a failure (default 1 s). */
  retryDelayMs?: number;
}

const IDLE = 0;
const BUSY = 1;

export class SpreadTicker {
  private readonly state: Uint8Array;
  private readonly failures: Uint8Array;
  private readonly queue = new Fifo<number>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  /** Slots dispatched since start (slot s belongs to item s mod count). */
  private cursor = 0;
  private inFlight = 0;
  private stopped = false;
  private idle: (() => void) | undefined;
  /** Rounds skipped because the item was still busy. */
  skipped = 0;

  constructor(private readonly options: SpreadTickerOptions) {
    if (options.count < 0 || !Number.isInteger(options.count)) throw new RangeError(`count must be a whole number, not ${options.count}`);
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, not ${options.intervalMs}`);
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, not ${options.concurrency}`);
    }
    this.state = new Uint8Array(options.count);
    this.failures = new Uint8Array(options.count);
  }

  /** Starts the rounds; item 0 is due at once. */
  start(): void {
    if (this.timer !== undefined || this.stopped || this.options.count === 0) return;
    this.startedAt = performance.now();
    this.cursor = 0;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 50);
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    this.queue.clear();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  /** Timers held now (the round timer and pending retries). */
  get timerCount(): number {
    return (this.timer === undefined ? 0 : 1) + this.retries.size;
  }

  private tick(): void {
    const { count, intervalMs } = this.options;
    const due = Math.floor(((performance.now() - this.startedAt) * count) / intervalMs) + 1;
    if (due - this.cursor > count) this.cursor = due - count;
    for (; this.cursor < due; this.cursor++) this.dispatch(this.cursor % count);
  }

  private dispatch(index: number): void {
    if (this.state[index] === BUSY) {
      this.skipped += 1;
      this.options.onSkip?.(index);
      return;
    }
    this.state[index] = BUSY;
    this.queue.push(index);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.inFlight < this.options.concurrency) {
      const index = this.queue.shift();
      if (index === undefined) return;
      this.inFlight += 1;
      void this.runOne(index);
    }
  }

  private async runOne(index: number): Promise<void> {
    try {
      await this.options.run(index);
      this.failures[index] = 0;
      this.state[index] = IDLE;
    } catch (err) {
      this.options.onError?.(index, err);
      this.retryLater(index);
    } finally {
      this.inFlight -= 1;
      if (this.stopped) {
        if (this.inFlight === 0) this.idle?.();
      } else {
        this.pump();
      }
    }
  }

  private retryLater(index: number): void {
    if (this.stopped) return;
    const n = this.failures[index] ?? 0;
    this.failures[index] = Math.min(n + 1, 30);
    const delay = Math.min((this.options.retryDelayMs ?? 1000) * 2 ** n, this.options.intervalMs);
    const t = setTimeout(() => {
      this.retries.delete(t);
      this.queue.push(index);
      this.pump();
    }, delay);
    this.retries.add(t);
  }
}
