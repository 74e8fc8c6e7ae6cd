/**
 * The cgroup manager against the real cgroup filesystem of this machine (no mocks): layout parsing,
 * limits read back, membership, signalling (freeze + sweep, cgroup.kill), removal. Every test cgroup lives
 * under a unique root `skiff-test-<random>` that afterAll removes, killing whatever is left in it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CgroupPaths as StatsCgroupPaths } from '../src/stats/contract.js';
import {
  CgroupManager,
  cpuSharesToWeight,
  detectCgroupLayout,
  milliCpuToQuota,
  milliCpuToShares,
  parseCgroupLayout,
  type Cgroup,
  type CgroupLayout,
} from '../src/cgroups/index.js';

const HYBRID = `
22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const PURE_V2 = `
24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const JOINED = `
25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
32 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
`;

describe('parseCgroupLayout', () => {
  it('reads the hybrid v1 layout with separate cpu and cpuacct mounts', () => {
    expect(parseCgroupLayout(HYBRID)).toEqual({
      version: 1,
      mountPoints: {
        memory: '/sys/fs/cgroup/memory',
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        pids: '/sys/fs/cgroup/pids',
        freezer: '/sys/fs/cgroup/freezer',
      },
    });
  });
  it('reads a pure v2 layout', () => {
    expect(parseCgroupLayout(PURE_V2)).toEqual({ version: 2, mountPoint: '/sys/fs/cgroup' });
  });
  it('reads joined cpu,cpuacct and a missing freezer', () => {
    expect(parseCgroupLayout(JOINED)).toEqual({
      version: 1,
      mountPoints: {
        memory: '/sys/fs/cgroup/memory',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
        cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
        pids: '/sys/fs/cgroup/pids',
      },
    });
  });
  it('unescapes mount paths and falls back to a cgroup2 mount elsewhere', () => {
    expect(parseCgroupLayout('40 1 0:38 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw\n')).toEqual({
      version: 2,
      mountPoint: '/mnt/my cgroup',
    });
  });
  it('throws without any cgroup mount', () => {
    expect(() => parseCgroupLayout('22 1 0:21 / /sys rw - sysfs sysfs rw\n')).toThrow(/no usable cgroup layout/);
  });
});

describe('Kubernetes cpu conversions', () => {
  it('converts millicores to shares, quota and weight', () => {
    expect(milliCpuToShares(0)).toBe(2);
    expect(milliCpuToShares(1)).toBe(2);
    expect(milliCpuToShares(250)).toBe(256);
    expect(milliCpuToShares(1000)).toBe(1024);
    expect(milliCpuToShares(1_000_000)).toBe(262144);
    expect(milliCpuToQuota(250)).toBe(25000);
    expect(milliCpuToQuota(5)).toBe(1000);
    expect(milliCpuToQuota(0)).toBe(0);
    expect(cpuSharesToWeight(2)).toBe(1);
    expect(cpuSharesToWeight(1024)).toBe(39);
    expect(cpuSharesToWeight(262144)).toBe(10000);
  });
});

const layout = detectCgroupLayout();
const managers: CgroupManager[] = [];
const children: ChildProcess[] = [];

function newManager(l: CgroupLayout = layout): CgroupManager {
  const m = new CgroupManager(l, { rootName: `skiff-test-${randomBytes(4).toString('hex')}` });
  managers.push(m);
  return m;
}

/** Starts `sh -c script` placed in the cgroup before it runs anything; resolves once it is in. */
async function startIn(cg: Cgroup, script: string): Promise<ChildProcess> {
  const child = spawn('/bin/sh', ['-c', `for f in ${cg.procsFiles.join(' ')}; do echo $$ > $f || exit 121; done; ${script}`], {
    stdio: 'ignore',
    detached: true,
  });
  children.push(child);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.pid !== undefined && cgPids(cg).includes(child.pid)) return child;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('process did not enter the cgroup');
}

const managerOf = new WeakMap<Cgroup, CgroupManager>();
function cgPids(cg: Cgroup): number[] {
  return (managerOf.get(cg) as CgroupManager).pids(cg);
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const m of managers) await m.removeRoot();
  for (const m of managers) for (const d of m.rootDirs()) expect(existsSync(d)).toBe(false);
});

const writable = process.getuid?.() === 0;

describe.runIf(writable)('CgroupManager on this machine', () => {
  it('detects the layout of this machine', () => {
    if (layout.version === 1) {
      expect(existsSync(join(layout.mountPoints.memory, 'memory.limit_in_bytes'))).toBe(true);
      expect(existsSync(join(layout.mountPoints.cpu, 'cpu.cfs_quota_us'))).toBe(true);
    } else {
      expect(existsSync(join(layout.mountPoint, 'cgroup.controllers'))).toBe(true);
    }
  });

  it('creates pod and container cgroups with limits in every hierarchy', () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-1', 'app', {
      cpuLimitMilli: 500,
      cpuRequestMilli: 250,
      memoryLimitBytes: 64 * 1024 * 1024,
      pidsLimit: 10,
    });
    for (const d of cg.dirs) expect(existsSync(d)).toBe(true);
    expect(cg.procsFiles).toHaveLength(m.hierarchyMounts().length);
    // The statistics reader takes these paths as they are (a compile-time check of the shared shape).
    const forStats: StatsCgroupPaths = cg.statsPaths;
    expect(forStats.version).toBe(layout.version);
    const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8').trim();
    if (cg.version === 1 && layout.version === 1) {
      expect(cg.statsPaths).toEqual({
        version: 1,
        cpuacctDir: join(layout.mountPoints.cpuacct, m.rootName, 'poduid-1', 'app'),
        memoryDir: join(layout.mountPoints.memory, m.rootName, 'poduid-1', 'app'),
      });
      expect(read(cg.cpuDir, 'cpu.cfs_period_us')).toBe('100000');
      expect(read(cg.cpuDir, 'cpu.cfs_quota_us')).toBe('50000');
      expect(read(cg.cpuDir, 'cpu.shares')).toBe('256');
      expect(read(cg.memoryDir, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(read(cg.pidsDir as string, 'pids.max')).toBe('10');
    } else {
      expect(cg.statsPaths).toEqual({ version: 2, dir: cg.dirs[0] });
      expect(read(cg.cpuDir, 'cpu.max')).toBe('50000 100000');
      expect(read(cg.cpuDir, 'cpu.weight')).toBe(String(cpuSharesToWeight(256)));
      expect(read(cg.memoryDir, 'memory.max')).toBe(String(64 * 1024 * 1024));
      expect(read(cg.pidsDir as string, 'pids.max')).toBe('10');
    }
    expect(m.listPods()).toEqual(['uid-1']);
    expect(m.pids(cg)).toEqual([]);
    expect(m.oomKillCount(cg)).toBe(0);
    expect(m.oomKilled(cg)).toBe(false);
  });

  it('rejects names that are not one path component', () => {
    const m = newManager();
    expect(() => m.createPodCgroup('../x')).toThrow(TypeError);
    expect(() => m.containerCgroup('uid', 'a/b')).toThrow(TypeError);
    expect(() => new CgroupManager(layout, { rootName: '..' })).toThrow(TypeError);
  });

  it('lists, signals (sparing excluded pids) and removes', async () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-2', 'app', {});
    managerOf.set(cg, m);
    const a = await startIn(cg, 'exec sleep 30');
    const b = await startIn(cg, 'exec sleep 30');
    expect(m.pids(cg)).toEqual([a.pid, b.pid].sort((x, y) => (x as number) - (y as number)));
    // The pod cgroup's pids include its containers'.
    const pod = m.podCgroup('uid-2');
    expect(m.pids(pod)).toHaveLength(2);

    expect(await m.killAll(cg, 'SIGTERM', { exclude: [b.pid as number] })).toBe(1);
    expect(await exited(a)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(m.pids(cg)).toEqual([b.pid]);
    await m.killAll(cg, 'SIGKILL');
    expect(await exited(b)).toEqual({ code: null, signal: 'SIGKILL' });

    await m.removeContainerCgroup('uid-2', 'app');
    for (const d of cg.dirs) expect(existsSync(d)).toBe(false);
    await m.removePodCgroup('uid-2');
    for (const d of pod.dirs) expect(existsSync(d)).toBe(false);
    expect(m.listPods()).toEqual([]);
  });

  it('empties a cgroup whose processes keep forking', async () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-3', 'forker', { pidsLimit: 40 });
    managerOf.set(cg, m);
    await startIn(cg, 'while :; do sleep 30 & done');
    await new Promise((r) => setTimeout(r, 100));
    expect(m.pids(cg).length).toBeGreaterThan(5);
    await m.killUntilEmpty(cg, { timeoutMs: 5000 });
    expect(m.pids(cg)).toEqual([]);
    await m.removePodCgroup('uid-3');
    for (const d of m.podCgroup('uid-3').dirs) expect(existsSync(d)).toBe(false);
  });

  it('retries removal while processes exit and kills on request', async () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-4', 'app', {});
    managerOf.set(cg, m);
    await startIn(cg, 'exec sleep 30');
    // Without kill: EBUSY until the timeout, then the error.
    await expect(m.removeContainerCgroup('uid-4', 'app', { timeoutMs: 50 })).rejects.toThrow(/EBUSY/);
    await m.removePodCgroup('uid-4', { kill: true });
    for (const d of m.podCgroup('uid-4').dirs) expect(existsSync(d)).toBe(false);
  });

  it('thaws a cgroup left frozen (a kubelet killed mid-kill) so its processes can be killed and removed', async () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-7', 'app', {});
    managerOf.set(cg, m);
    const c = await startIn(cg, 'exec sleep 30');
    const freezeFile = cg.version === 1 ? join(cg.freezerDir as string, 'freezer.state') : join(cg.dirs[0] as string, 'cgroup.freeze');
    if (!existsSync(freezeFile)) return; // no freezer on this host: nothing can be left frozen
    writeFileSync(freezeFile, cg.version === 1 ? 'FROZEN' : '1');
    await m.removeRoot({ timeoutMs: 5000 });
    expect(await exited(c)).toEqual({ code: null, signal: 'SIGKILL' });
    for (const d of m.rootDirs()) expect(existsSync(d)).toBe(false);
  });

  it('thawAll() thaws every pod of the root (adoption after a kubelet restart)', async () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-8', 'app', {});
    managerOf.set(cg, m);
    if (cg.version !== 1 || cg.freezerDir === undefined) return; // v2 covered by the test above
    const c = await startIn(cg, 'exec sleep 30');
    writeFileSync(join(cg.freezerDir, 'freezer.state'), 'FROZEN');
    await expect.poll(() => readFileSync(join(cg.freezerDir as string, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    m.thawAll();
    expect(readFileSync(join(cg.freezerDir, 'freezer.state'), 'utf8').trim()).toBe('THAWED');
    c.kill('SIGTERM');
    expect(await exited(c)).toEqual({ code: null, signal: 'SIGTERM' });
    await m.removeRoot();
  });

  it('removeRoot kills leftovers and removes every hierarchy', async () => {
    const m = newManager();
    const cg = m.createContainerCgroup('uid-5', 'app', {});
    managerOf.set(cg, m);
    const c = await startIn(cg, 'exec sleep 30');
    m.createPodCgroup('uid-6');
    expect(m.listPods()).toEqual(['uid-5', 'uid-6']);
    await m.removeRoot();
    expect(await exited(c)).toEqual({ code: null, signal: 'SIGKILL' });
    for (const d of m.rootDirs()) expect(existsSync(d)).toBe(false);
  });
});

/** This machine's hybrid layout also mounts an (empty) v2 hierarchy: it exercises the v2 code paths except limits. */
const unified = '/sys/fs/cgroup/unified';
const hasUnified = writable && layout.version === 1 && existsSync(join(unified, 'cgroup.procs'));

describe.runIf(hasUnified)('CgroupManager on a v2 hierarchy without controllers', () => {
  it('places, freezes and signals, cgroup.kill, removes', async () => {
    const m = newManager({ version: 2, mountPoint: unified });
    const cg = m.createContainerCgroup('uid-7', 'app', {});
    managerOf.set(cg, m);
    expect(cg.procsFiles).toEqual([join(unified, m.rootName, 'poduid-7', 'app', 'cgroup.procs')]);
    const a = await startIn(cg, 'exec sleep 30');
    const b = await startIn(cg, 'exec sleep 30');
    // SIGTERM: freeze (cgroup.freeze), signal, thaw.
    expect(await m.killAll(cg, 'SIGTERM', { exclude: [b.pid as number] })).toBe(1);
    expect(await exited(a)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(readFileSync(join(cg.dirs[0] as string, 'cgroup.freeze'), 'utf8').trim()).toBe('0');
    // SIGKILL without exclusions: cgroup.kill.
    await m.killAll(cg, 'SIGKILL');
    expect(await exited(b)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(() => m.createContainerCgroup('uid-7', 'limited', { memoryLimitBytes: 1 << 20 })).toThrow();
    await m.removeRoot();
    for (const d of m.rootDirs()) expect(existsSync(d)).toBe(false);
  });
});
