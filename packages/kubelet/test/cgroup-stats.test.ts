/**
 * Cgroup statistics readers (native C++ and TypeScript) against real cgroups: real processes are
 * moved into temporary cgroups named `skiff-test-<random>`, made to burn cpu, allocate memory and
 * get OOM-killed. Needs root and a writable /sys/fs/cgroup; otherwise that part is skipped with the
 * reason in its title. A second, root-free part feeds both readers hand-written stat files (the
 * only way to cover the other cgroup version's file formats on a given machine).
 *
 * Every test kills its processes and removes its cgroups in afterEach, also when it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import {
  createCgroupStatsReader,
  type CgroupPaths,
  type CgroupStats,
  type CgroupStatsReader,
  type CgroupStatsReaderKind,
} from '../src/stats/index.js';

const KINDS: readonly CgroupStatsReaderKind[] = ['ts', 'native'];
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Layout detection and environment probe

type Layout = { version: 1; memoryRoot: string; cpuacctRoot: string } | { version: 2; root: string };

/** Reads /proc/self/mountinfo: v2 when /sys/fs/cgroup is cgroup2, else v1 memory + cpuacct mounts. */
function detectLayout(): Layout | null {
  let memoryRoot: string | undefined;
  let cpuacctRoot: string | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0) continue;
    const mountPoint = (fields[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const fsType = fields[sep + 1];
    const options = (fields[sep + 3] ?? '').split(',');
    if (fsType === 'cgroup2' && mountPoint === '/sys/fs/cgroup') return { version: 2, root: mountPoint };
    if (fsType === 'cgroup' && options.includes('memory')) memoryRoot ??= mountPoint;
    if (fsType === 'cgroup' && options.includes('cpuacct')) cpuacctRoot ??= mountPoint;
  }
  return memoryRoot !== undefined && cpuacctRoot !== undefined ? { version: 1, memoryRoot, cpuacctRoot } : null;
}

function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function layoutRoots(layout: Layout): string[] {
  return layout.version === 1 ? [...new Set([layout.memoryRoot, layout.cpuacctRoot])] : [layout.root];
}

/** v2 only: whether this file enabled the memory controller at the root (to switch it off again). */
let enabledMemoryController = false;

/** Returns [layout, null] when real-cgroup tests can run, else [null, reason]. */
function probeEnvironment(): [Layout, null] | [null, string] {
  if (process.platform !== 'linux') return [null, 'not Linux'];
  if (process.getuid?.() !== 0) return [null, 'not running as root'];
  const layout = detectLayout();
  if (layout === null) return [null, 'no cgroup2 at /sys/fs/cgroup and no v1 memory+cpuacct hierarchies'];
  for (const root of layoutRoots(layout)) {
    const probe = join(root, randomName('skiff-test-probe'));
    try {
      mkdirSync(probe);
      rmdirSync(probe);
    } catch (err) {
      return [null, `${root} is not writable (${(err as Error).message})`];
    }
  }
  if (layout.version === 2) {
    const control = join(layout.root, 'cgroup.subtree_control');
    if (!readFileSync(control, 'utf8').split(/\s+/).includes('memory')) {
      try {
        writeFileSync(control, '+memory');
        enabledMemoryController = true;
      } catch (err) {
        return [null, `cannot enable the memory controller in ${control} (${(err as Error).message})`];
      }
    }
  }
  return [layout, null];
}

const [layout, skipReason] = probeEnvironment();

// ---------------------------------------------------------------------------------------------
// Resources: cgroups, processes, readers — all registered for cleanup

interface TestCgroup {
  readonly name: string;
  readonly paths: CgroupPaths;
  /** Directories to rmdir (removed in reverse order). */
  readonly dirs: readonly string[];
  /** cgroup.procs files a process must join (one per hierarchy). */
  readonly procsFiles: readonly string[];
  /** The directory holding memory.* files. */
  readonly memoryDir: string;
}

const liveCgroups = new Set<TestCgroup>();
const liveProcesses = new Set<ChildProcess>();
const liveReaders = new Set<CgroupStatsReader>();

function createCgroup(): TestCgroup {
  if (layout === null) throw new Error('no cgroup layout');
  const name = randomName('skiff-test');
  const dirs: string[] = [];
  const cgroup: TestCgroup =
    layout.version === 1
      ? {
          name,
          paths: { version: 1, memoryDir: join(layout.memoryRoot, name), cpuacctDir: join(layout.cpuacctRoot, name) },
          dirs,
          procsFiles: [...new Set([join(layout.memoryRoot, name), join(layout.cpuacctRoot, name)])].map((d) => join(d, 'cgroup.procs')),
          memoryDir: join(layout.memoryRoot, name),
        }
      : {
          name,
          paths: { version: 2, dir: join(layout.root, name) },
          dirs,
          procsFiles: [join(layout.root, name, 'cgroup.procs')],
          memoryDir: join(layout.root, name),
        };
  liveCgroups.add(cgroup);
  for (const root of layoutRoots(layout)) {
    const dir = join(root, name);
    mkdirSync(dir);
    dirs.push(dir);
  }
  return cgroup;
}

/** rmdir with retries: a just-reaped process can keep a cgroup busy for a moment. */
async function removeCgroup(cgroup: TestCgroup): Promise<void> {
  for (const dir of [...cgroup.dirs].reverse()) {
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (attempt >= 50) throw err;
        await sleep(20);
      }
    }
  }
  liveCgroups.delete(cgroup);
}

function newReader(kind: CgroupStatsReaderKind): CgroupStatsReader {
  const reader = createCgroupStatsReader(kind);
  liveReaders.add(reader);
  return reader;
}

interface Workload {
  readonly child: ChildProcess;
  /** Resolves once the process has exited (signal or code). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: string;
}

/**
 * Starts `sh`, which writes its own pid into every cgroup.procs of `cgroup` and then execs node
 * running `script`. Resolves when the script prints "ready".
 */
async function startWorkload(cgroup: TestCgroup, script: string): Promise<Workload> {
  const child = spawn('sh', ['-c', 'for f in $CG_PROCS; do echo $$ > "$f" || exit 97; done; exec "$NODE_BIN" -e "$SCRIPT"'], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      CG_PROCS: cgroup.procsFiles.join(' '),
      NODE_BIN: process.execPath,
      SCRIPT: script,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  liveProcesses.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const workload: Workload = { child, exited, stdout: '' };
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`workload not ready after 10s: ${stderr}`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      workload.stdout += d.toString();
      if (workload.stdout.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`workload exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
  return workload;
}

/** SIGKILLs the process (if still running) and waits until it has been reaped. */
async function stopWorkload(workload: Workload): Promise<void> {
  const { child } = workload;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await workload.exited;
  liveProcesses.delete(child);
}

async function cleanUpEverything(): Promise<void> {
  const errors: unknown[] = [];
  for (const reader of liveReaders) reader.close();
  liveReaders.clear();
  await Promise.all(
    [...liveProcesses].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      liveProcesses.delete(child);
    }),
  );
  for (const cgroup of [...liveCgroups]) {
    try {
      await removeCgroup(cgroup);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'could not remove every test cgroup');
}

/** Holds ~24 MiB of touched memory and burns ~40% of a cpu until killed. */
const BURN_SCRIPT = `
const keep = Buffer.alloc(24 * 1024 * 1024, 7);
process.stdout.write('ready\\n');
setInterval(() => { const end = Date.now() + 20; while (Date.now() < end) keep[(Math.random() * keep.length) | 0]++; }, 50);
`;

/** Waits for a line on stdin, then allocates (and touches) 256 MiB. */
const OOM_SCRIPT = `
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  const hog = [];
  for (let i = 0; i < 256; i++) hog.push(Buffer.alloc(1024 * 1024, 1));
  process.stdout.write('survived ' + hog.length + '\\n');
  process.exit(0);
});
`;

function expectSane(stats: CgroupStats | null): asserts stats is CgroupStats {
  expect(stats).not.toBeNull();
  const s = stats!;
  for (const value of Object.values(s)) {
    expect(Number.isSafeInteger(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  }
  expect(s.memoryWorkingSetBytes).toBeLessThanOrEqual(s.memoryUsageBytes);
}

// ---------------------------------------------------------------------------------------------
// Real cgroups

describe.skipIf(skipReason !== null)(
  `cgroup stats readers on real cgroups${skipReason !== null ? ` — SKIPPED: ${skipReason}` : ` (cgroup v${layout?.version})`}`,
  () => {
    afterEach(cleanUpEverything, 30_000);

    afterAll(async () => {
      await cleanUpEverything();
      if (enabledMemoryController && layout?.version === 2) {
        try {
          writeFileSync(join(layout.root, 'cgroup.subtree_control'), '-memory');
        } catch {
          // Something else started using the controller meanwhile; leaving it on is harmless.
        }
      }
    }, 30_000);

    it('both implementations report a running process: cpu grows, memory is charged, working set <= usage', async () => {
      const cgroup = createCgroup();
      await startWorkload(cgroup, BURN_SCRIPT);
      for (const kind of KINDS) {
        const reader = newReader(kind);
        expect(reader.watch('ctr', cgroup.paths)).toBe(true);
        expect(reader.size).toBe(1);
      }
      const readers = [...liveReaders];
      const first = readers.map((r) => r.read('ctr'));
      await sleep(400);
      const second = readers.map((r) => r.read('ctr'));
      for (let i = 0; i < readers.length; i++) {
        const a = first[i] ?? null;
        const b = second[i] ?? null;
        expectSane(a);
        expectSane(b);
        expect(a.cpuUsageNanos).toBeGreaterThan(0);
        // ~40% of a cpu for 400 ms; demand a conservative 10 ms.
        expect(b.cpuUsageNanos).toBeGreaterThan(a.cpuUsageNanos + 10_000_000);
        expect(b.memoryUsageBytes).toBeGreaterThan(16 * MiB);
        expect(b.memoryWorkingSetBytes).toBeGreaterThan(16 * MiB);
        expect(b.oomKills).toBe(0);
      }
    });

    it('the two implementations agree (cpu monotone across interleaved reads, memory within 4 MiB)', async () => {
      const cgroup = createCgroup();
      await startWorkload(cgroup, BURN_SCRIPT);
      const ts = newReader('ts');
      const native = newReader('native');
      expect(ts.watch('c', cgroup.paths)).toBe(true);
      expect(native.watch('c', cgroup.paths)).toBe(true);
      for (let round = 0; round < 5; round++) {
        const t1 = ts.read('c');
        const n = native.read('c');
        const t2 = ts.read('c');
        expectSane(t1);
        expectSane(n);
        expectSane(t2);
        expect(t1.cpuUsageNanos).toBeLessThanOrEqual(n.cpuUsageNanos);
        expect(n.cpuUsageNanos).toBeLessThanOrEqual(t2.cpuUsageNanos);
        expect(Math.abs(n.memoryUsageBytes - t1.memoryUsageBytes)).toBeLessThan(4 * MiB);
        expect(Math.abs(n.memoryWorkingSetBytes - t1.memoryWorkingSetBytes)).toBeLessThan(4 * MiB);
        expect(n.oomKills).toBe(t1.oomKills);
        await sleep(50);
      }
      const [fromTs] = ts.readAll();
      const [fromNative] = native.readAll();
      expect(fromTs?.id).toBe('c');
      expect(fromNative?.id).toBe('c');
      expect(fromTs!.stats.cpuUsageNanos).toBeLessThanOrEqual(fromNative!.stats.cpuUsageNanos);
    });

    describe.each(KINDS)('%s reader', (kind) => {
      it('readAll returns one entry per tracked cgroup, and an empty cgroup has zero cpu', async () => {
        const busy = createCgroup();
        const idle = createCgroup();
        await startWorkload(busy, BURN_SCRIPT);
        const reader = newReader(kind);
        expect(reader.watch('busy', busy.paths)).toBe(true);
        expect(reader.watch('idle', idle.paths)).toBe(true);
        expect(reader.size).toBe(2);
        const all = new Map(reader.readAll().map((e) => [e.id, e.stats]));
        expect([...all.keys()].sort()).toEqual(['busy', 'idle']);
        const busyStats = all.get('busy') ?? null;
        const idleStats = all.get('idle') ?? null;
        expectSane(busyStats);
        expectSane(idleStats);
        expect(idleStats.cpuUsageNanos).toBe(0);
        expect(busyStats.cpuUsageNanos).toBeGreaterThan(0);
        expect(busyStats.memoryUsageBytes).toBeGreaterThan(idleStats.memoryUsageBytes + 16 * MiB);
      });

      it('unwatch / unknown ids read as null; a failed watch changes nothing; watching again replaces', async () => {
        const busy = createCgroup();
        const idle = createCgroup();
        await startWorkload(busy, BURN_SCRIPT);
        const reader = newReader(kind);
        expect(reader.read('nope')).toBeNull();
        reader.unwatch('nope'); // no-op
        expect(reader.size).toBe(0);
        expect(reader.readAll()).toEqual([]);

        const missing: CgroupPaths =
          layout!.version === 1
            ? {
                version: 1,
                cpuacctDir: `${layout!.cpuacctRoot}/${randomName('skiff-test-absent')}`,
                memoryDir: `${layout!.memoryRoot}/${randomName('skiff-test-absent')}`,
              }
            : { version: 2, dir: `${layout!.root}/${randomName('skiff-test-absent')}` };
        expect(reader.watch('x', missing)).toBe(false);
        expect(reader.size).toBe(0);
        expect(reader.read('x')).toBeNull();

        expect(reader.watch('x', busy.paths)).toBe(true);
        const before = reader.read('x');
        expectSane(before);
        expect(reader.watch('x', missing)).toBe(false); // keeps the busy entry
        expect(reader.size).toBe(1);
        expectSane(reader.read('x'));

        expect(reader.watch('x', idle.paths)).toBe(true); // replaces
        expect(reader.size).toBe(1);
        const after = reader.read('x');
        expectSane(after);
        expect(after.cpuUsageNanos).toBe(0);
        expect(after.memoryUsageBytes).toBeLessThan(before.memoryUsageBytes - 16 * MiB);

        reader.unwatch('x');
        expect(reader.size).toBe(0);
        expect(reader.read('x')).toBeNull();
        expect(reader.readAll()).toEqual([]);
      });

      it('a removed cgroup reads as null and drops out of readAll', async () => {
        const doomed = createCgroup();
        const kept = createCgroup();
        const workload = await startWorkload(doomed, BURN_SCRIPT);
        const reader = newReader(kind);
        expect(reader.watch('doomed', doomed.paths)).toBe(true);
        expect(reader.watch('kept', kept.paths)).toBe(true);
        expectSane(reader.read('doomed'));

        await stopWorkload(workload);
        await removeCgroup(doomed);
        for (const dir of doomed.dirs) expect(existsSync(dir)).toBe(false);

        expect(reader.read('doomed')).toBeNull();
        expect(reader.readAll().map((e) => e.id)).toEqual(['kept']);
        expect(reader.size).toBe(2); // still tracked until unwatch()
        reader.unwatch('doomed');
        expect(reader.size).toBe(1);
      });

      it('counts a real OOM kill', async () => {
        const cgroup = createCgroup();
        const workload = await startWorkload(cgroup, OOM_SCRIPT);
        const reader = newReader(kind);
        expect(reader.watch('oom', cgroup.paths)).toBe(true);
        const before = reader.read('oom');
        expectSane(before);
        expect(before.oomKills).toBe(0);
        // readAll() keeps the OOM count it read while the node's count stays put: two rounds cache 0.
        expect(reader.readAll().find((e) => e.id === 'oom')?.stats.oomKills).toBe(0);
        expect(reader.readAll().find((e) => e.id === 'oom')?.stats.oomKills).toBe(0);

        // Limit = current usage + 32 MiB, no swap; the script then touches 256 MiB.
        const limit = String(before.memoryUsageBytes + 32 * MiB);
        if (layout!.version === 1) {
          writeFileSync(join(cgroup.memoryDir, 'memory.limit_in_bytes'), limit);
          const memsw = join(cgroup.memoryDir, 'memory.memsw.limit_in_bytes');
          if (existsSync(memsw)) writeFileSync(memsw, limit);
        } else {
          writeFileSync(join(cgroup.memoryDir, 'memory.max'), limit);
          const swapMax = join(cgroup.memoryDir, 'memory.swap.max');
          if (existsSync(swapMax)) writeFileSync(swapMax, '0');
        }
        workload.child.stdin?.write('go\n');
        const { signal } = await workload.exited;
        expect(workload.stdout).not.toContain('survived');
        expect(signal).toBe('SIGKILL');

        const after = reader.read('oom');
        expectSane(after);
        const kernelCountsOomKills =
          layout!.version === 2 || /^oom_kill\s/m.test(readFileSync(join(cgroup.memoryDir, 'memory.oom_control'), 'utf8'));
        if (kernelCountsOomKills) {
          expect(after.oomKills).toBeGreaterThanOrEqual(1);
          // The kill moved the node's count (/proc/vmstat oom_kill), so the next readAll() re-reads the file.
          expect(reader.readAll().find((e) => e.id === 'oom')?.stats.oomKills).toBe(after.oomKills);
        } else {
          // Kernels before 4.13 lack the v1 `oom_kill` line: the reader reports 0.
          expect(after.oomKills).toBe(0);
        }
      }, 30_000);

      it('is unusable after close()', () => {
        const cgroup = createCgroup();
        const reader = newReader(kind);
        expect(reader.watch('c', cgroup.paths)).toBe(true);
        reader.close();
        expect(reader.size).toBe(0);
        expect(() => reader.read('c')).toThrow(/closed/);
        expect(() => reader.readAll()).toThrow(/closed/);
        expect(() => reader.watch('c', cgroup.paths)).toThrow(/closed/);
        reader.unwatch('c'); // no-op
        reader.close(); // idempotent
      });
    });
  },
);

// ---------------------------------------------------------------------------------------------
// File formats of both cgroup versions (no root needed): hand-written stat files in a temp dir,
// read through the same open-once/pread path.

describe.each(KINDS)('%s reader on stat-file fixtures', (kind) => {
  let tmp = '';
  const readers: CgroupStatsReader[] = [];

  function fixture(files: Record<string, string>): string {
    if (tmp === '') tmp = mkdtempSync(join(tmpdir(), 'skiff-cgroup-fixture-'));
    const dir = mkdtempSync(join(tmp, 'cg-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  }

  function reader(): CgroupStatsReader {
    const r = createCgroupStatsReader(kind);
    readers.push(r);
    return r;
  }

  afterEach(() => {
    for (const r of readers.splice(0)) r.close();
  });

  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  const v2Stat = [
    'anon 1000',
    'file 5000',
    'active_anon 1000',
    'inactive_anon 0',
    'active_file 2000',
    'inactive_file 3000',
    'total_inactive_file 999999', // not the v2 key: must not be picked up
    '',
  ].join('\n');

  it('v2: cpu.stat usage_usec * 1000, memory.current, inactive_file, memory.events oom_kill', () => {
    const dir = fixture({
      'cpu.stat': 'usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n',
      'memory.current': '10000\n',
      'memory.stat': v2Stat,
      'memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n',
    });
    const r = reader();
    expect(r.watch('a', { version: 2, dir })).toBe(true);
    expect(r.read('a')).toEqual({ cpuUsageNanos: 123456000, memoryUsageBytes: 10000, memoryWorkingSetBytes: 7000, oomKills: 2 });
  });

  it('v2: re-reads from offset 0 on every read and sees new content', () => {
    const dir = fixture({
      'cpu.stat': 'usage_usec 1\n',
      'memory.current': '10\n',
      'memory.stat': 'inactive_file 4\n',
      'memory.events': 'oom_kill 0\n',
    });
    const r = reader();
    expect(r.watch('a', { version: 2, dir })).toBe(true);
    expect(r.read('a')?.cpuUsageNanos).toBe(1000);
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 2\n'); // same inode: truncate + write
    writeFileSync(join(dir, 'memory.events'), 'oom_kill 3\n');
    expect(r.read('a')).toEqual({ cpuUsageNanos: 2000, memoryUsageBytes: 10, memoryWorkingSetBytes: 6, oomKills: 3 });
  });

  it('v1: total_inactive_file (not inactive_file), oom_control without oom_kill counts 0, working set floored at 0', () => {
    const memoryDir = fixture({
      'memory.usage_in_bytes': '5000\n',
      'memory.stat': 'cache 1\ninactive_file 10\ntotal_cache 2\ntotal_inactive_file 8000\n',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n',
    });
    const cpuacctDir = fixture({ 'cpuacct.usage': '987654321\n' });
    const r = reader();
    expect(r.watch('a', { version: 1, cpuacctDir, memoryDir })).toBe(true);
    expect(r.read('a')).toEqual({ cpuUsageNanos: 987654321, memoryUsageBytes: 5000, memoryWorkingSetBytes: 0, oomKills: 0 });
  });

  it('tolerates tabs, CRLF, trailing blanks, a missing inactive key, and files larger than the read buffer', () => {
    const padding = Array.from({ length: 2000 }, (_, i) => `padding_key_${i} ${i}`).join('\n');
    const dir = fixture({
      'cpu.stat': `${padding}\nusage_usec\t\t42  \r\n`,
      'memory.current': '  4096 \n',
      'memory.stat': `${padding}\n`,
      'memory.events': `${padding}\noom_kill 7`,
    });
    const r = reader();
    expect(r.watch('a', { version: 2, dir })).toBe(true);
    expect(r.read('a')).toEqual({ cpuUsageNanos: 42000, memoryUsageBytes: 4096, memoryWorkingSetBytes: 4096, oomKills: 7 });
  });

  it.each([
    ['memory.current', 'max\n'],
    ['memory.current', '12 34\n'],
    ['memory.current', ''],
    ['memory.current', '99999999999999999999999\n'],
    ['cpu.stat', 'user_usec 5\n'],
    ['memory.stat', 'inactive_file -1\n'],
    ['memory.events', 'oom_kill 1x\n'],
  ])('a malformed %s (%j) makes the read fail', (file, content) => {
    const files: Record<string, string> = {
      'cpu.stat': 'usage_usec 1\n',
      'memory.current': '10\n',
      'memory.stat': 'inactive_file 4\n',
      'memory.events': 'oom_kill 0\n',
    };
    files[file] = content;
    const dir = fixture(files);
    const r = reader();
    expect(r.watch('a', { version: 2, dir })).toBe(true);
    expect(r.read('a')).toBeNull();
    expect(r.readAll()).toEqual([]);
  });

  it('watch fails when any file is missing, and rejects malformed arguments with TypeError', () => {
    const dir = fixture({ 'cpu.stat': 'usage_usec 1\n', 'memory.current': '10\n', 'memory.stat': '' });
    const r = reader();
    expect(r.watch('a', { version: 2, dir })).toBe(false);
    expect(r.watch('a', { version: 2, dir: '' })).toBe(false);
    expect(r.size).toBe(0);
    expect(() => r.watch('a', { version: 3, dir } as unknown as CgroupPaths)).toThrow(TypeError);
    expect(() => r.watch('a', { version: 1, dir } as unknown as CgroupPaths)).toThrow(TypeError);
    expect(() => r.watch(7 as unknown as string, { version: 2, dir })).toThrow(TypeError);
    expect(() => r.read(undefined as unknown as string)).toThrow(TypeError);
  });
});
