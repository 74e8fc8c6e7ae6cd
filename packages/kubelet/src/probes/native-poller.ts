/** The native probe poller (`@skiff/node-agent` ProbePoller) behind the contract. */
import type { CgroupPaths } from '../stats/contract.js';
import { loadNodeAgent } from '../stats/native-reader.js';
import type { PollerColumns } from '@skiff/node-agent';
import type { PollerBatch, PollerOptions, ProbePoller, ProbeRunResult, ProbeSpec } from './contract.js';

export class NativeProbePoller implements ProbePoller {
  private readonly inner: import('@skiff/node-agent').ProbePoller;

  /** Throws when the addon is not built (nativeCgroupStatsAvailable() tells). */
  constructor(options: PollerOptions) {
    const { ProbePoller: Native } = loadNodeAgent();
    const { onResults } = options;
    this.inner = new Native((columns) => onResults(batchFromColumns(columns)), {
      statsIntervalMs: options.statsIntervalMs ?? 0,
      batchWindowMs: options.batchWindowMs ?? 20,
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    });
  }

  get size(): number {
    return this.inner.size;
  }

  set(id: string, spec: ProbeSpec): void {
    this.inner.set(id, spec);
  }

  remove(id: string): void {
    this.inner.remove(id);
  }

  watchCgroup(id: string, paths: CgroupPaths): boolean {
    return this.inner.watchCgroup(id, paths);
  }

  unwatchCgroup(id: string): void {
    this.inner.unwatchCgroup(id);
  }

  close(): Promise<void> {
    this.inner.close();
    return Promise.resolve();
  }
}

/** A row's slot when its id is not in `names` but in the batch's own id column. */
const NO_SLOT = 0xffffffff;

/** The contract's batch from the addon's columns (rows built here, where object creation is cheap). */
function batchFromColumns(c: PollerColumns): PollerBatch {
  const { names } = c;
  const probes = new Array<ProbeRunResult>(c.probeSlots.length);
  for (let i = 0; i < probes.length; i++) {
    const slot = c.probeSlots[i]!;
    probes[i] = {
      id: (slot === NO_SLOT ? c.probeIds[i] : names[slot]) ?? '',
      result: c.probeOk[i] === 1 ? 'success' : 'failure',
      output: c.probeOutputs[i] ?? '',
      durationMs: c.probeDurationMs[i]!,
    };
  }
  const stats = new Array<PollerBatch['stats'][number]>(c.statSlots.length);
  const v = c.statValues;
  for (let i = 0; i < stats.length; i++) {
    const slot = c.statSlots[i]!;
    stats[i] = {
      id: (slot === NO_SLOT ? c.statIds[i] : names[slot]) ?? '',
      stats: { cpuUsageNanos: v[i * 4]!, memoryUsageBytes: v[i * 4 + 1]!, memoryWorkingSetBytes: v[i * 4 + 2]!, oomKills: v[i * 4 + 3]! },
    };
  }
  return { probes, stats };
}
