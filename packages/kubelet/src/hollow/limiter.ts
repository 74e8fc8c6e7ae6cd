/**
 * Bounded concurrency with two priorities: at most `limit` tasks run at once;
 * when a slot frees, the oldest waiting `high` task takes it, else the oldest
 * `low` one. A task's rejection reaches its caller and frees its slot.
 */
import { Fifo } from './fifo.js';

export type Priority = 'high' | 'low';

export class Limiter {
  private active = 0;
  private readonly waiting = { high: new Fifo<() => void>(), low: new Fifo<() => void>() };

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a positive integer, not ${limit}`);
  }

  /** Runs `task` once a slot is free; resolves or rejects as it does. */
  async run<T>(task: () => Promise<T>, priority: Priority = 'low'): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.waiting.high.shift() ?? this.waiting.low.shift();
      if (next !== undefined) next();
      else this.active -= 1;
    }
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get pending(): number {
    return this.waiting.high.length + this.waiting.low.length;
  }
}
