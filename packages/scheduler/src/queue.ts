/**
 * The scheduling queue, in kube-scheduler's model:
 * - active: pods to try now, highest priority first, then oldest;
 * - backoff: pods whose last attempt failed for a transient reason wait
 *   1 s doubling up to 10 s per attempt;
 * - unschedulable: pods no node fits; they return (through backoff) on a
 *   cluster event that one of the plugins that rejected them registered
 *   (`moveOnEvent`), or after `unschedulableTimeoutMs` at the latest.
 * A pod is in at most one of them.
 */
export interface QueuedPod {
  key: string;
  priority: number;
  /** When the pod first entered the queue (ms), for ordering and the SLI. */
  enqueuedAt: number;
  attempts: number;
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  unschedulableTimeoutMs?: number;
}

export class SchedulingQueue {
  /**
   * The active pods in order from `head` on (entries before it are popped): popping advances
   * `head` instead of shifting thousands of entries; the array is compacted when half of it is popped.
   */
  private active: QueuedPod[] = [];
  private head = 0;
  /** Keys in `active`, so add() and delete() do not scan the list. */
  private readonly activeKeys = new Set<string>();
  private readonly backoff = new Map<string, { pod: QueuedPod; timer: NodeJS.Timeout }>();
  private readonly unschedulable = new Map<string, { pod: QueuedPod; since: number; rejectors: ReadonlySet<string> }>();
  private readonly inFlight = new Map<string, QueuedPod>();
  /** Set when a move request arrives while a pod is being scheduled, so its failure is retried. */
  private readonly movedDuringCycle = new Set<string>();
  private readonly waiters: Array<(pod: QueuedPod | undefined) => void> = [];
  private closed = false;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly unschedulableTimeoutMs: number;

  constructor(options: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.unschedulableTimeoutMs = options.unschedulableTimeoutMs ?? 60_000;
    this.flushTimer = setInterval(() => this.flushUnschedulable(), 5000);
    this.flushTimer.unref();
  }

  /** Adds a pod (or refreshes its priority); no-op while it is being scheduled or already waiting. */
  add(key: string, priority: number): void {
    if (this.closed || this.inFlight.has(key) || this.backoff.has(key)) return;
    const waiting = this.unschedulable.get(key);
    if (waiting !== undefined) {
      // An update to an unschedulable pod may make it schedulable: try again.
      this.unschedulable.delete(key);
      this.pushActive({ ...waiting.pod, priority });
      return;
    }
    if (this.activeKeys.has(key)) return;
    this.pushActive({ key, priority, enqueuedAt: Date.now(), attempts: 0 });
  }

  /** Forgets a pod wherever it is (deleted, or bound by someone else). */
  delete(key: string): void {
    if (this.activeKeys.delete(key)) {
      const i = this.active.findIndex((p, k) => k >= this.head && p.key === key);
      if (i >= 0) this.active.splice(i, 1);
    }
    const b = this.backoff.get(key);
    if (b !== undefined) clearTimeout(b.timer);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** The next pod to schedule; waits when none is active. undefined after close(). */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const next = this.popActive();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next active pod without waiting: undefined when none is active or after close(). */
  popActive(): QueuedPod | undefined {
    if (this.closed) return undefined;
    if (this.head >= this.active.length) return undefined;
    const next = this.active[this.head]!;
    this.head += 1;
    if (this.head === this.active.length) {
      this.active = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.active.length) {
      this.active = this.active.slice(this.head);
      this.head = 0;
    }
    this.activeKeys.delete(next.key);
    return this.startCycle(next);
  }

  /** The attempt succeeded (the pod is assumed and binding). */
  done(key: string): void {
    this.inFlight.delete(key);
    this.movedDuringCycle.delete(key);
  }

  /**
   * No node fits: park the pod until a cluster event may help. `rejectors` are the plugins
   * that rejected it; an empty set means any event may help.
   */
  markUnschedulable(key: string, rejectors: ReadonlySet<string> = new Set()): void {
    const pod = this.inFlight.get(key);
    if (pod === undefined) return;
    this.inFlight.delete(key);
    if (this.movedDuringCycle.delete(key)) this.toBackoff(pod);
    else this.unschedulable.set(key, { pod, since: Date.now(), rejectors });
  }

  /**
   * A cluster event: moves (through backoff) the parked pods for which `helps(rejectors)` is
   * true. Pods being scheduled now are retried if their attempt fails.
   */
  moveOnEvent(helps: (rejectors: ReadonlySet<string>) => boolean): void {
    for (const key of this.inFlight.keys()) this.movedDuringCycle.add(key);
    for (const [key, { pod, rejectors }] of this.unschedulable) {
      if (rejectors.size > 0 && !helps(rejectors)) continue;
      this.unschedulable.delete(key);
      this.toBackoff(pod);
    }
  }

  /** A transient failure (e.g. the bind failed): retry after the pod's backoff. */
  markFailed(key: string, priority?: number): void {
    const pod = this.inFlight.get(key) ?? { key, priority: priority ?? 0, enqueuedAt: Date.now(), attempts: 1 };
    this.inFlight.delete(key);
    this.movedDuringCycle.delete(key);
    this.toBackoff(pod);
  }

  /** A cluster event that may make parked pods schedulable: move them all to backoff/active. */
  moveAllToActive(): void {
    for (const key of this.inFlight.keys()) this.movedDuringCycle.add(key);
    for (const [key, { pod }] of this.unschedulable) {
      this.unschedulable.delete(key);
      this.toBackoff(pod);
    }
  }

  /** Sizes for `scheduler_pending_pods{queue}`. */
  sizes(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.length - this.head, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    for (const { timer } of this.backoff.values()) clearTimeout(timer);
    this.backoff.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private startCycle(pod: QueuedPod): QueuedPod {
    const started = { ...pod, attempts: pod.attempts + 1 };
    this.inFlight.set(pod.key, started);
    return started;
  }

  private pushActive(pod: QueuedPod): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(this.startCycle(pod));
      return;
    }
    // Binary insert: priority descending, then enqueue time ascending.
    let lo = this.head;
    let hi = this.active.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.active[mid];
      if (m !== undefined && (m.priority > pod.priority || (m.priority === pod.priority && m.enqueuedAt <= pod.enqueuedAt))) lo = mid + 1;
      else hi = mid;
    }
    this.active.splice(lo, 0, pod);
    this.activeKeys.add(pod.key);
  }

  private toBackoff(pod: QueuedPod): void {
    if (this.closed) return;
    const delay = Math.min(this.initialBackoffMs * 2 ** Math.max(0, pod.attempts - 1), this.maxBackoffMs);
    const existing = this.backoff.get(pod.key);
    if (existing !== undefined) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.backoff.delete(pod.key);
      this.pushActive(pod);
    }, delay);
    this.backoff.set(pod.key, { pod, timer });
  }

  private flushUnschedulable(): void {
    const now = Date.now();
    for (const [key, { pod, since }] of this.unschedulable) {
      if (now - since >= this.unschedulableTimeoutMs) {
        this.unschedulable.delete(key);
        this.pushActive(pod);
      }
    }
  }
}
