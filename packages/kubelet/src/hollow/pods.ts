/**
 * The pods of a hollow fleet: every pod bound to one of its nodes runs
 * simulated containers. Contract:
 * - A new pod is accepted (startTime now), its containers start after a
 *   `startDelay` pick (status Running, containers running), and become ready
 *   after a further `readyDelay` pick (Ready=True); a zero delay skips the
 *   intermediate write. Hollow pods run until deleted.
 * - A pod already Running when first seen (a restarted fleet) is adopted as
 *   it is, without a write.
 * - A pod with deletionTimestamp is reported terminated (Succeeded, containers
 *   exited 0) and deleted with grace 0 and its uid as precondition.
 * - Status writes are merge patches of `status` with `metadata.uid` (a
 *   precondition), made only when the status would change; 404 and 409 mean
 *   the pod is gone or replaced and are not errors. Other failures are retried
 *   with backoff. Each pod's work is serialized.
 * - stop() clears every timer and waits for the writes in flight.
 */
import { ApiError, isPodTerminal, nowTimestamp, PODS, type Pod } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import { statusChanged } from '../pod-status.js';
import { pickDelay, type DelayRange } from './delay.js';
import type { HollowApi } from './http-api.js';
import type { HollowMetrics } from './metrics.js';
import { hollowPodStatus } from './pod-status.js';

export interface HollowPodsOptions {
  /** Status writes and deletes (the fleet bounds them). */
  client: HollowApi;
  logger: Logger;
  metrics: HollowMetrics;
  /** The host address of a fleet node; undefined for a node not in the fleet (its pods are ignored). */
  hostIP(nodeName: string): string | undefined;
  startDelay: DelayRange;
  readyDelay: DelayRange;
  random?: () => number;
}

/** accepted: waiting for its containers to start; started: running, not ready; ready; terminated: deleted, containers stopped. */
export type HollowPodPhase = 'accepted' | 'started' | 'ready' | 'terminated';

interface PodRecord {
  uid: string;
  pod: Pod;
  hostIP: string;
  phase: HollowPodPhase;
  startTime: string;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  /** The start or ready delay. */
  timer: NodeJS.Timeout | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  failures: number;
  busy: boolean;
  again: boolean;
  deleted: boolean;
}

const RETRY_INITIAL_MS = 500;
const RETRY_MAX_MS = 30_000;

function revisionOf(pod: Pod): number {
  return Number(pod.metadata?.resourceVersion ?? 0);
}

function ignoreGone(err: unknown): void {
  if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
}

export class HollowPods {
  private readonly records = new Map<string, PodRecord>();
  private readonly syncs = new Set<Promise<void>>();
  private timers = 0;
  private stopped = false;

  constructor(private readonly options: HollowPodsOptions) {}

  /** A pod was added or changed (from the informer). */
  observe(pod: Pod): void {
    const uid = pod.metadata?.uid;
    const nodeName = pod.spec?.nodeName;
    if (this.stopped || uid === undefined || nodeName === undefined || nodeName === '') return;
    let rec = this.records.get(uid);
    if (rec === undefined) {
      const hostIP = this.options.hostIP(nodeName);
      if (hostIP === undefined) return;
      if (isPodTerminal(pod) && pod.metadata?.deletionTimestamp === undefined) return;
      rec = this.accept(uid, pod, hostIP);
    } else if (revisionOf(pod) >= revisionOf(rec.pod)) {
      rec.pod = pod;
    }
    this.enqueue(rec);
  }

  /** A pod is gone from the API (from the informer). */
  forget(pod: Pod): void {
    const rec = this.records.get(pod.metadata?.uid ?? '');
    if (rec === undefined) return;
    this.clearTimers(rec);
    this.records.delete(rec.uid);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const rec of this.records.values()) this.clearTimers(rec);
    await Promise.allSettled([...this.syncs]);
  }

  /** Pods followed, by phase. */
  counts(): Record<HollowPodPhase, number> {
    const out: Record<HollowPodPhase, number> = { accepted: 0, started: 0, ready: 0, terminated: 0 };
    for (const rec of this.records.values()) out[rec.phase] += 1;
    return out;
  }

  /** Pods whose simulated containers run (started or ready). */
  runningCount(): number {
    let n = 0;
    for (const rec of this.records.values()) if (rec.phase === 'started' || rec.phase === 'ready') n += 1;
    return n;
  }

  /** Timers held now (start, ready and retry delays). */
  get timerCount(): number {
    return this.timers;
  }

  private accept(uid: string, pod: Pod, hostIP: string): PodRecord {
    const rec: PodRecord = {
      uid,
      pod,
      hostIP,
      phase: 'accepted',
      startTime: pod.status?.startTime ?? nowTimestamp(),
      startedAt: undefined,
      finishedAt: undefined,
      timer: undefined,
      retryTimer: undefined,
      failures: 0,
      busy: false,
      again: false,
      deleted: false,
    };
    this.records.set(uid, rec);
    const adopted = this.runningSince(pod);
    if (adopted !== undefined) {
      rec.startedAt = adopted.startedAt;
      if (adopted.ready) rec.phase = 'ready';
      else this.started(rec);
    } else if (pod.metadata?.deletionTimestamp === undefined) {
      this.after(rec, pickDelay(this.options.startDelay, this.options.random), () => this.started(rec));
    }
    return rec;
  }

  /** When a pod's status already says every container runs: since when, and whether all are ready. */
  private runningSince(pod: Pod): { startedAt: Date; ready: boolean } | undefined {
    const containers = pod.spec?.containers ?? [];
    const statuses = pod.status?.containerStatuses ?? [];
    if (pod.status?.phase !== 'Running' || containers.length === 0 || statuses.length !== containers.length) return undefined;
    let startedAt = Infinity;
    for (const s of statuses) {
      const at = Date.parse(String(s.state?.running?.startedAt ?? ''));
      if (Number.isNaN(at)) return undefined;
      startedAt = Math.min(startedAt, at);
    }
    return { startedAt: new Date(startedAt), ready: statuses.every((s) => s.ready) };
  }

  /** The containers run: ready at once or after the ready delay. */
  private started(rec: PodRecord): void {
    rec.phase = 'started';
    rec.startedAt ??= new Date();
    this.after(rec, pickDelay(this.options.readyDelay, this.options.random), () => {
      rec.phase = 'ready';
    });
  }

  /** Runs `fn` and syncs the pod after `ms` (at once, without a timer, when 0). */
  private after(rec: PodRecord, ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    this.timers += 1;
    rec.timer = setTimeout(() => {
      rec.timer = undefined;
      this.timers -= 1;
      fn();
      this.enqueue(rec);
    }, ms);
  }

  private clearTimers(rec: PodRecord): void {
    if (rec.timer !== undefined) {
      clearTimeout(rec.timer);
      rec.timer = undefined;
      this.timers -= 1;
    }
    if (rec.retryTimer !== undefined) {
      clearTimeout(rec.retryTimer);
      rec.retryTimer = undefined;
      this.timers -= 1;
    }
  }

  private enqueue(rec: PodRecord): void {
    if (this.stopped) return;
    if (rec.busy) {
      rec.again = true;
      return;
    }
    rec.busy = true;
    const run = (async () => {
      do {
        rec.again = false;
        try {
          await this.sync(rec);
          rec.failures = 0;
        } catch (err) {
          this.options.metrics.podSyncFailures.inc();
          this.options.logger.warn({ err, pod: rec.pod.metadata?.name, uid: rec.uid }, 'hollow pod sync failed');
          this.retryLater(rec);
        }
      } while (rec.again && !this.stopped);
      rec.busy = false;
    })();
    this.syncs.add(run);
    void run.finally(() => this.syncs.delete(run));
  }

  private retryLater(rec: PodRecord): void {
    if (this.stopped || rec.retryTimer !== undefined || this.records.get(rec.uid) !== rec) return;
    const delay = Math.min(RETRY_INITIAL_MS * 2 ** rec.failures, RETRY_MAX_MS);
    rec.failures = Math.min(rec.failures + 1, 30);
    this.timers += 1;
    rec.retryTimer = setTimeout(() => {
      rec.retryTimer = undefined;
      this.timers -= 1;
      this.enqueue(rec);
    }, delay);
  }

  private async sync(rec: PodRecord): Promise<void> {
    if (this.records.get(rec.uid) !== rec) return;
    const pod = rec.pod;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      if (rec.deleted) return;
      if (rec.timer !== undefined) {
        clearTimeout(rec.timer);
        rec.timer = undefined;
        this.timers -= 1;
      }
      if (rec.phase === 'started' || rec.phase === 'ready') {
        rec.phase = 'terminated';
        rec.finishedAt = new Date();
      }
      if (rec.phase === 'terminated') await this.writeStatus(rec);
      const { namespace = '', name = '' } = pod.metadata;
      await this.options.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, uid: rec.uid }).catch(ignoreGone);
      rec.deleted = true;
      return;
    }
    if (rec.phase === 'accepted' || rec.phase === 'terminated' || isPodTerminal(pod)) return;
    await this.writeStatus(rec);
  }

  /** Patches the pod's status when it differs from what its phase says. */
  private async writeStatus(rec: PodRecord): Promise<void> {
    const pod = rec.pod;
    if (rec.phase === 'accepted' || rec.startedAt === undefined) return;
    const times = {
      startTime: rec.startTime,
      startedAt: rec.startedAt,
      ...(rec.finishedAt === undefined ? {} : { finishedAt: rec.finishedAt }),
    };
    const status = hollowPodStatus(pod, rec.phase, rec.hostIP, times);
    if (!statusChanged(pod.status, status)) return;
    const { namespace = '', name = '' } = pod.metadata ?? {};
    try {
      const patched = await this.options.client.patch<Pod>(
        PODS,
        namespace,
        name,
        { metadata: { uid: rec.uid }, status },
        'merge',
        'status',
      );
      if (revisionOf(patched) >= revisionOf(rec.pod)) rec.pod = patched;
    } catch (err) {
      ignoreGone(err);
      return;
    }
    if (status.phase === 'Running' && pod.status?.phase !== 'Running' && pod.metadata?.creationTimestamp !== undefined) {
      this.options.metrics.podStartSli.observe((Date.now() - Date.parse(String(pod.metadata.creationTimestamp))) / 1000);
    }
  }
}
