/**
 * The controllers' work queue: @skiff/client's WorkQueue (a key queued at most
 * once, never processed by two workers at once) with client-go's workqueue
 * metrics, labelled by the queue's `name`:
 * - `workqueue_depth`: keys waiting;
 * - `workqueue_adds_total`: keys added (a key already waiting is not counted);
 * - `workqueue_queue_duration_seconds`: from add to a worker taking the key;
 * - `workqueue_work_duration_seconds`: from a worker taking the key to done();
 * - `workqueue_retries_total`: rate-limited re-adds;
 * - `workqueue_unfinished_work_seconds`, `workqueue_longest_running_processor_seconds`:
 *   how long work in progress has been running (summed, and the longest).
 * Delays and backoff live here (the inner queue only sees immediate adds), so
 * every add is counted.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { WorkQueue } from '@skiff/client';

export interface InstrumentedQueueOptions {
  /** The `name` label (upstream uses the controller's name: `replicaset`, `deployment`). */
  name: string;
  metrics?: Registry | undefined;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface QueueMetrics {
  adds: Counter<'name'>;
  retries: Counter<'name'>;
  queueDuration: Histogram<'name'>;
  workDuration: Histogram<'name'>;
  queues: Set<InstrumentedQueue>;
}

/** client-go's buckets: 10 ns to 10 s, ten per decade step. */
const DURATION_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

const perRegistry = new WeakMap<Registry, QueueMetrics>();

function metricsFor(registry: Registry): QueueMetrics {
  const existing = perRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const queues = new Set<InstrumentedQueue>();
  const m: QueueMetrics = {
    queues,
    adds: new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers }),
    retries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested.',
      labelNames: ['name'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
  };
  new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers,
    collect() {
      for (const q of queues) this.set({ name: q.name }, q.length);
    },
  });
  new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration.",
    labelNames: ['name'],
    registers,
    collect() {
      for (const q of queues) this.set({ name: q.name }, q.inProgressSeconds().total);
    },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames: ['name'],
    registers,
    collect() {
      for (const q of queues) this.set({ name: q.name }, q.inProgressSeconds().longest);
    },
  });
  perRegistry.set(registry, m);
  return m;
}

export class InstrumentedQueue {
  readonly name: string;
  private readonly inner = new WorkQueue();
  private readonly metrics: QueueMetrics | undefined;
  /** Keys waiting (queued, or to be re-queued when their processing ends) → when they were added. */
  private readonly waitingSince = new Map<string, number>();
  /** Keys being processed → when a worker took them. */
  private readonly processingSince = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private shuttingDown = false;

  constructor(options: InstrumentedQueueOptions) {
    this.name = options.name;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    if (options.metrics !== undefined) {
      this.metrics = metricsFor(options.metrics);
      this.metrics.queues.add(this);
    }
  }

  /** Queues key unless it is already waiting; a key being processed is queued again after done(). */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (!this.waitingSince.has(key)) {
      this.waitingSince.set(key, performance.now());
      this.metrics?.adds.inc({ name: this.name });
    }
    this.inner.add(key);
  }

  /** Queues key after delayMs (a later call replaces an earlier pending one). */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const existing = this.timers.get(key);
    if (existing !== undefined) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Queues key after its backoff, which doubles per failure until forget(). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs));
  }

  /** Resets key's backoff. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, waiting for one; undefined once shut down. Call done(key) after processing. */
  async get(): Promise<string | undefined> {
    const key = await this.inner.get();
    if (key === undefined) return undefined;
    const now = performance.now();
    const since = this.waitingSince.get(key);
    this.waitingSince.delete(key);
    if (since !== undefined) this.metrics?.queueDuration.observe({ name: this.name }, (now - since) / 1000);
    this.processingSince.set(key, now);
    return key;
  }

  done(key: string): void {
    const since = this.processingSince.get(key);
    this.processingSince.delete(key);
    if (since !== undefined) this.metrics?.workDuration.observe({ name: this.name }, (performance.now() - since) / 1000);
    this.inner.done(key);
  }

  /** Keys waiting for a worker. */
  get length(): number {
    return this.inner.length;
  }

  /** Seconds of work in progress: summed over keys, and the longest. */
  inProgressSeconds(): { total: number; longest: number } {
    const now = performance.now();
    let total = 0;
    let longest = 0;
    for (const since of this.processingSince.values()) {
      const s = (now - since) / 1000;
      total += s;
      longest = Math.max(longest, s);
    }
    return { total, longest };
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.metrics?.queues.delete(this);
    this.inner.shutDown();
  }
}
