/**
 * The node's own cpu and memory use, for /metrics/resource's node_* series: cumulative busy cpu time from
 * /proc/stat (user, nice, system, irq, softirq, steal) and the memory working set from /proc/meminfo
 * (MemTotal - MemFree - Inactive(file), the root cgroup's definition: usage minus inactive file pages).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

export interface NodeUsage {
  cpuUsageSeconds: number;
  memoryWorkingSetBytes: number;
}

/** Parses the first (`cpu `) line of /proc/stat: busy seconds. Exported for tests. */
export function parseProcStatCpu(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('no cpu line in /proc/stat');
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((a, v) => a + (v ?? 0), 0);
  return busy / USER_HZ;
}

/** Parses /proc/meminfo into the working set in bytes. Exported for tests. */
export function parseMeminfoWorkingSet(text: string): number {
  const kib = (key: string): number => {
    const m = new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB$`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]) * 1024;
  };
  return Math.max(0, kib('MemTotal') - kib('MemFree') - kib('Inactive(file)'));
}

/** Reads the node's usage now; undefined when /proc cannot be read. */
export function readNodeUsage(): NodeUsage | undefined {
  try {
    return {
      cpuUsageSeconds: parseProcStatCpu(readFileSync('/proc/stat', 'utf8')),
      memoryWorkingSetBytes: parseMeminfoWorkingSet(readFileSync('/proc/meminfo', 'utf8')),
    };
  } catch {
    return undefined;
  }
}
