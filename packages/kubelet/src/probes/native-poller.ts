/** The native probe poller (`@skiff/node-agent` ProbePoller) behind the contract. */
import type { CgroupPaths } from '../stats/contract.js';
import { loadNodeAgent } from '../stats/native-reader.js';
import type { PollerOptions, ProbePoller, ProbeSpec } from './contract.js';

export class NativeProbePoller implements ProbePoller {
  private readonly inner: import('@skiff/node-agent').ProbePoller;

  /** Throws when the addon is not built (nativeCgroupStatsAvailable() tells). */
  constructor(options: PollerOptions) {
    const { ProbePoller: Native } = loadNodeAgent();
    this.inner = new Native(options.onResults, {
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
