/**
 * The kubelet's `/stats/summary`: per pod and container cpu and memory, read
 * through the cgroup statistics reader (native by default). Running
 * containers are watched (files opened once) and exited ones unwatched each
 * time the summary is built.
 */
import type { Pod } from '@skiff/api';
import type { CgroupManager } from '../cgroups/index.js';
import type { ContainerSummary } from '../runtime/index.js';
import type { CgroupStats, CgroupStatsReader } from './contract.js';

export interface ContainerStatsSummary {
  name: string;
  startTime: string;
  cpu: { time: string; usageCoreNanoSeconds: number };
  memory: { time: string; usageBytes: number; workingSetBytes: number };
}

export interface PodStatsSummary {
  podRef: { name: string; namespace: string; uid: string };
  containers: ContainerStatsSummary[];
  cpu: { time: string; usageCoreNanoSeconds: number };
  memory: { time: string; usageBytes: number; workingSetBytes: number };
}

export class StatsCollector {
  private readonly watched = new Set<string>();

  constructor(
    private readonly reader: CgroupStatsReader,
    private readonly cgroups: CgroupManager,
  ) {}

  /** Watches the running containers and forgets the others. */
  sync(containers: readonly ContainerSummary[]): void {
    const running = new Set<string>();
    for (const c of containers) {
      if (c.state.state !== 'running') continue;
      running.add(c.id);
      if (!this.watched.has(c.id)) {
        const paths = this.cgroups.containerCgroup(c.config.podUid, c.config.containerName).statsPaths;
        if (this.reader.watch(c.id, paths)) this.watched.add(c.id);
      }
    }
    for (const id of [...this.watched]) {
      if (!running.has(id)) {
        this.reader.unwatch(id);
        this.watched.delete(id);
      }
    }
  }

  /** The summary of every pod with a running container. */
  summary(
    nodeName: string,
    containers: readonly ContainerSummary[],
    pods: readonly Pod[],
  ): { node: { nodeName: string; startTime?: string }; pods: PodStatsSummary[] } {
    this.sync(containers);
    const now = new Date().toISOString();
    const stats = new Map<string, CgroupStats>(this.reader.readAll().map((e) => [e.id, e.stats]));
    const byUid = new Map<string, PodStatsSummary>();
    for (const c of containers) {
      const s = stats.get(c.id);
      if (s === undefined || c.state.state !== 'running') continue;
      const pod = pods.find((p) => p.metadata?.uid === c.config.podUid);
      let entry = byUid.get(c.config.podUid);
      if (entry === undefined) {
        entry = {
          podRef: {
            name: pod?.metadata?.name ?? c.config.podName,
            namespace: pod?.metadata?.namespace ?? c.config.podNamespace,
            uid: c.config.podUid,
          },
          containers: [],
          cpu: { time: now, usageCoreNanoSeconds: 0 },
          memory: { time: now, usageBytes: 0, workingSetBytes: 0 },
        };
        byUid.set(c.config.podUid, entry);
      }
      entry.containers.push({
        name: c.config.containerName,
        startTime: c.state.startedAt.toISOString(),
        cpu: { time: now, usageCoreNanoSeconds: s.cpuUsageNanos },
        memory: { time: now, usageBytes: s.memoryUsageBytes, workingSetBytes: s.memoryWorkingSetBytes },
      });
      entry.cpu.usageCoreNanoSeconds += s.cpuUsageNanos;
      entry.memory.usageBytes += s.memoryUsageBytes;
      entry.memory.workingSetBytes += s.memoryWorkingSetBytes;
    }
    return { node: { nodeName }, pods: [...byUid.values()] };
  }

  close(): void {
    for (const id of this.watched) this.reader.unwatch(id);
    this.watched.clear();
  }
}
