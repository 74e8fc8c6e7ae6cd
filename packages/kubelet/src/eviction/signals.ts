/**
 * What the eviction manager observes each round: for each signal, what is
 * available and the capacity it is a share of. Read from the kernel's own
 * accounting: `/proc/meminfo` (the node's memory: total less MemAvailable is
 * its working set, as `free` reports it; upstream reads the root cgroup), the
 * pods' cgroup working sets against allocatable memory, `statfs` of the
 * kubelet's root directory, and the pid table.
 */
import { readFileSync, statfsSync } from 'node:fs';
import type { EvictionSignal } from './thresholds.js';

export interface SignalObservation {
  available: number;
  capacity: number;
}

export type Observations = Partial<Record<EvictionSignal, SignalObservation>>;

/** `MemTotal` and `MemAvailable` of /proc/meminfo, in bytes. */
function nodeMemory(): SignalObservation | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return undefined;
  }
  const kib = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]) * 1024;
  };
  const total = kib('MemTotal');
  const available = kib('MemAvailable');
  return total === undefined || available === undefined ? undefined : { available, capacity: total };
}

/** Free bytes and inodes of the filesystem holding `dir` (for unprivileged users, as df shows). */
function filesystem(dir: string): { bytes: SignalObservation; inodes: SignalObservation } | undefined {
  try {
    const s = statfsSync(dir);
    return { bytes: { available: s.bavail * s.bsize, capacity: s.blocks * s.bsize }, inodes: { available: s.ffree, capacity: s.files } };
  } catch {
    return undefined;
  }
}

/** pid_max less the tasks that exist now (the 4th field of /proc/loadavg counts them). */
function pids(): SignalObservation | undefined {
  try {
    const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    const running = Number(/\d+\/(\d+)/.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1]);
    if (!Number.isFinite(max) || !Number.isFinite(running)) return undefined;
    return { available: max - running, capacity: max };
  } catch {
    return undefined;
  }
}

/**
 * Observes every signal. `podsWorkingSetBytes` is the pods' memory working set
 * together; `allocatableMemoryBytes` what the node offers them.
 */
export function observeSignals(dataDir: string, podsWorkingSetBytes: number, allocatableMemoryBytes: number): Observations {
  const out: Observations = {
    'allocatableMemory.available': { available: allocatableMemoryBytes - podsWorkingSetBytes, capacity: allocatableMemoryBytes },
  };
  const memory = nodeMemory();
  if (memory !== undefined) out['memory.available'] = memory;
  const fs = filesystem(dataDir);
  if (fs !== undefined) {
    out['nodefs.available'] = fs.bytes;
    out['nodefs.inodesFree'] = fs.inodes;
  }
  const p = pids();
  if (p !== undefined) out['pid.available'] = p;
  return out;
}
