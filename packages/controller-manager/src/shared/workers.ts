/**
 * The worker loop every controller runs: wait for the informers to sync, then
 * take keys from the queue and sync each, forgetting its backoff on success and
 * re-queueing it rate-limited on failure, until the queue shuts down.
 */
import { ApiError } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import type { InstrumentedQueue } from './workqueue.js';

export interface WorkerOptions {
  queue: InstrumentedQueue;
  /** Resolves when every informer the controller reads has listed. */
  synced: Promise<unknown>;
  /** Resolves when the controller stops (so workers do not wait forever for informers never started). */
  stopped: Promise<void>;
  workers: number;
  logger: Logger;
  sync(key: string): Promise<void>;
  /** Called once, after the informers synced and before the workers start. */
  onSynced?(): void;
}

/** Runs options.workers workers; resolves when all have returned. */
export async function runWorkers(options: WorkerOptions): Promise<void> {
  const ready = await Promise.race([options.synced.then(() => true), options.stopped.then(() => false)]);
  if (!ready) return;
  options.onSynced?.();
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await options.queue.get();
      if (key === undefined) return;
      try {
        await options.sync(key);
        options.queue.forget(key);
      } catch (err) {
        // A conflict only means the cache was behind a write: the retry reads the newer object.
        const conflict = err instanceof ApiError && err.code === 409;
        options.logger[conflict ? 'debug' : 'warn']({ err, key, controller: options.queue.name }, 'sync failed; retrying');
        options.queue.addRateLimited(key);
      } finally {
        options.queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, () => worker()));
}
