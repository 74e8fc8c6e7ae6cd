/**
 * Bounded concurrency: at most `limit` tasks run at once; the others wait in
 * arrival order. A task's rejection reaches its caller and frees its slot.
 */
import { Fifo } from './fifo.js';

export class Limiter {
  private active = 0;
  private readonly waiting = new Fifo<() => void>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a positive integer, not ${limit}`);
  }

  /** Runs `task` once a slot is free; resolves or rejects as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.waiting.shift();
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
    return this.waiting.length;
  }
}
