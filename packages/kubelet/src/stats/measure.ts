import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

import type { CgroupPaths, CgroupStatsReader } from './contract.js';
import { createNativeCgroupStatsReader } from './native-reader.js';
import { TsCgroupStatsReader } from './ts-reader.js';

type HostLayout = { version: 1; cpuacctRoot: string; memoryRoot: string } | { version: 2; root: string };

/** Undoes the `\040`-style octal escapes of /proc/self/mountinfo paths. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Finds the cgroup layout from /proc/self/mountinfo: v2 when /sys/fs/cgroup itself is a cgroup2
 * mount, otherwise v1 with the memory and cpuacct hierarchies wherever they are mounted
 * (separate or combined `cpu,cpuacct`). Throws when neither is usable.
 */
function detectHostLayout(): HostLayout {
  let memoryRoot: string | undefined;
  let cpuacctRoot: string | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0) continue;
    const mountPoint = unescapeMountPath(fields[4] ?? '');
    const fsType = fields[sep + 1];
    const superOptions = (fields[sep + 3] ?? '').split(',');
    if (fsType === 'cgroup2' && mountPoint === '/sys/fs/cgroup') return { version: 2, root: mountPoint };
    if (fsType === 'cgroup') {
      if (superOptions.includes('memory')) memoryRoot ??= mountPoint;
      if (superOptions.includes('cpuacct')) cpuacctRoot ??= mountPoint;
    }
  }
  if (memoryRoot !== undefined && cpuacctRoot !== undefined) return { version: 1, cpuacctRoot, memoryRoot };
  throw new Error('no usable cgroup layout: neither a cgroup2 mount at /sys/fs/cgroup nor v1 memory+cpuacct');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Benchmarks both readers on real cgroups. Needs root and a writable cgroup filesystem.
 *
 * Creates `cgroupCount` empty cgroups named `skiff-bench-<random>-<i>` (v1: in the memory and the
 * cpuacct hierarchy; v2: under /sys/fs/cgroup, enabling the memory controller in its
 * cgroup.subtree_control when it is off and switching it back off afterwards), watches them in
 * both readers, and times readAll() for `rounds` rounds per reader (after a short warm-up,
 * alternating which reader goes first). Returns the median readAll() time divided by
 * `cgroupCount`, in microseconds. Every created cgroup is removed before returning, also when
 * anything fails. Throws when the native addon is not built or a readAll() misses a cgroup.
 */
export function measureStatsReaders(cgroupCount: number, rounds: number): Array<{ impl: 'native' | 'ts'; microsPerCgroupRead: number }> {
  if (!Number.isInteger(cgroupCount) || cgroupCount < 1) throw new RangeError('cgroupCount must be a positive integer');
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError('rounds must be a positive integer');

  const layout = detectHostLayout();
  const readers: Array<{ impl: 'native' | 'ts'; reader: CgroupStatsReader }> = [
    { impl: 'native', reader: createNativeCgroupStatsReader() },
    { impl: 'ts', reader: new TsCgroupStatsReader() },
  ];
  const created: string[] = [];
  let enabledMemoryController = false;
  const prefix = `skiff-bench-${randomBytes(4).toString('hex')}`;

  try {
    if (layout.version === 2) {
      const control = `${layout.root}/cgroup.subtree_control`;
      if (!readFileSync(control, 'utf8').split(/\s+/).includes('memory')) {
        writeFileSync(control, '+memory');
        enabledMemoryController = true;
      }
    }

    for (let i = 0; i < cgroupCount; i++) {
      const name = `${prefix}-${i}`;
      let paths: CgroupPaths;
      if (layout.version === 1) {
        const memoryDir = `${layout.memoryRoot}/${name}`;
        const cpuacctDir = `${layout.cpuacctRoot}/${name}`;
        mkdirSync(memoryDir);
        created.push(memoryDir);
        if (cpuacctDir !== memoryDir) {
          mkdirSync(cpuacctDir);
          created.push(cpuacctDir);
        }
        paths = { version: 1, cpuacctDir, memoryDir };
      } else {
        const dir = `${layout.root}/${name}`;
        mkdirSync(dir);
        created.push(dir);
        paths = { version: 2, dir };
      }
      for (const { impl, reader } of readers) {
        if (!reader.watch(name, paths)) throw new Error(`${impl} reader could not open the files of ${name}`);
      }
    }

    const readOnce = (impl: string, reader: CgroupStatsReader): number => {
      const start = process.hrtime.bigint();
      const entries = reader.readAll();
      const elapsed = Number(process.hrtime.bigint() - start);
      if (entries.length !== cgroupCount) {
        throw new Error(`${impl} readAll() returned ${entries.length} of ${cgroupCount} cgroups`);
      }
      return elapsed;
    };

    const warmUp = Math.min(5, rounds);
    for (let r = 0; r < warmUp; r++) for (const { impl, reader } of readers) readOnce(impl, reader);

    const samples = new Map<'native' | 'ts', number[]>(readers.map(({ impl }) => [impl, []]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? readers : [...readers].reverse();
      for (const { impl, reader } of order) samples.get(impl)!.push(readOnce(impl, reader));
    }

    return readers.map(({ impl }) => ({
      impl,
      microsPerCgroupRead: median(samples.get(impl)!) / 1000 / cgroupCount,
    }));
  } finally {
    for (const { reader } of readers) reader.close();
    const failures: string[] = [];
    for (const dir of created.reverse()) {
      try {
        rmdirSync(dir);
      } catch (err) {
        failures.push(`${dir}: ${(err as Error).message}`);
      }
    }
    if (enabledMemoryController && layout.version === 2) {
      try {
        writeFileSync(`${layout.root}/cgroup.subtree_control`, '-memory');
      } catch {
        // Another cgroup started using the controller meanwhile; leaving it on is harmless.
      }
    }
    // Warn instead of throwing so that an error from the measurement itself is never masked.
    if (failures.length > 0) {
      process.emitWarning(`measureStatsReaders could not remove: ${failures.join('; ')}`);
    }
  }
}
