/**
 * Upstream's slowStartBatch: runs fn count times in batches of 1, 2, 4, …
 * (starting at initialBatchSize), each batch concurrently, and stops after the
 * first batch with a failure. So a controller that cannot create pods (quota,
 * a bad template) fails after one request instead of hundreds.
 */
import { asError } from './errors.js';

export interface SlowStartResult {
  /** How many calls succeeded. */
  successes: number;
  /** The first failure, when a batch failed (later batches were not started). */
  error?: Error;
}

export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let error: Error | undefined;
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else if (!failed) {
        failed = true;
        error = asError(r.reason);
      }
    }
    if (failed) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}
