/**
 * The probe poller's TypeScript twin (contract.ts): timers schedule each probe, ts-runs.ts and ts-grpc-run.ts do the I/O, a
 * TsCgroupStatsReader reads the statistics rounds. The reference in tests and the baseline in benchmarks.
 */
import { TsCgroupStatsReader } from '../stats/ts-reader.js';
import type { CgroupPaths } from '../stats/contract.js';
import type { PollerBatch, PollerOptions, ProbePoller, ProbeSpec } from './contract.js';
import { checkProbeSpec } from './spec-check.js';
import { runGrpc } from './ts-grpc-run.js';
import { runExec, runHttp, runTcp, type ActiveRun } from './ts-runs.js';

interface Entry {
  spec: ProbeSpec;
  timer: NodeJS.Timeout | undefined;
  run: ActiveRun | undefined;
  /** Changes on every set(): a run of an older spec delivers nothing. */
  generation: number;
}

function startRun(spec: ProbeSpec): ActiveRun {
  switch (spec.kind) {
    case 'exec':
      return runExec(spec);
    case 'http':
      return runHttp(spec);
    case 'tcp':
      return runTcp(spec);
    case 'grpc':
      return runGrpc(spec);
  }
}

export class TsProbePoller implements ProbePoller {
  private readonly probes = new Map<string, Entry>();
  private readonly stats = new TsCgroupStatsReader();
  private readonly statsTimer: NodeJS.Timeout | undefined;
  private readonly onResults: PollerOptions['onResults'];
  private readonly batchWindowMs: number;
  private pending: PollerBatch = { probes: [], stats: [] };
  private flushTimer: NodeJS.Timeout | undefined;
  private generations = 0;
  private closed = false;

  constructor(options: PollerOptions) {
    this.onResults = options.onResults;
    this.batchWindowMs = options.batchWindowMs ?? 20;
    const every = options.statsIntervalMs ?? 0;
    if (every > 0) {
      this.statsTimer = setInterval(() => {
        const rows = this.stats.readAll();
        if (rows.length === 0) return;
        this.pending.stats.push(...rows);
        this.flush();
      }, every);
    }
  }

  get size(): number {
    return this.probes.size;
  }

  set(id: string, spec: ProbeSpec): void {
    this.throwIfClosed();
    checkProbeSpec(id, spec);
    this.stop(id);
    const entry: Entry = { spec, timer: undefined, run: undefined, generation: ++this.generations };
    this.probes.set(id, entry);
    this.schedule(id, entry, spec.initialDelayMs);
  }

  remove(id: string): void {
    this.throwIfClosed();
    this.stop(id);
    this.probes.delete(id);
  }

  watchCgroup(id: string, paths: CgroupPaths): boolean {
    this.throwIfClosed();
    return this.stats.watch(id, paths);
  }

  unwatchCgroup(id: string): void {
    this.throwIfClosed();
    this.stats.unwatch(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    clearTimeout(this.flushTimer);
    const runs = [...this.probes.values()].flatMap((e) => (e.run === undefined ? [] : [e.run.done]));
    for (const id of [...this.probes.keys()]) this.stop(id);
    this.probes.clear();
    this.stats.close();
    await Promise.allSettled(runs);
  }

  private throwIfClosed(): void {
    if (this.closed) throw new Error('ProbePoller is closed');
  }

  private stop(id: string): void {
    const entry = this.probes.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.run?.abort();
    entry.generation = -1;
  }

  private schedule(id: string, entry: Entry, delayMs: number): void {
    entry.timer = setTimeout(() => {
      const started = performance.now();
      const generation = entry.generation;
      const run = startRun(entry.spec);
      entry.run = run;
      void run.done.then((outcome) => {
        if (entry.generation !== generation || this.closed) return;
        entry.run = undefined;
        const now = performance.now();
        this.pending.probes.push({ id, ...outcome, durationMs: now - started });
        this.flushSoon();
        this.schedule(id, entry, Math.max(0, started + entry.spec.periodMs - now));
      });
    }, delayMs);
  }

  private flushSoon(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), this.batchWindowMs);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.closed || (this.pending.probes.length === 0 && this.pending.stats.length === 0)) return;
    const batch = this.pending;
    this.pending = { probes: [], stats: [] };
    this.onResults(batch);
  }
}
