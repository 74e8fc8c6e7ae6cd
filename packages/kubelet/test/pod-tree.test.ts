/**
 * The kubepods QoS tree with real cgroups and processes: where Guaranteed, Burstable and BestEffort pods
 * live, the pod-level limits read back, a container placed under its pod, a restarted kubelet (a fresh
 * manager) finding the pod again, and --pod-max-pids enforced. Each test uses a unique cgroup root
 * `skiff-test-<random>` that afterAll removes with everything in it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { CgroupManager, detectCgroupLayout, ensurePodCgroup, podCgroupLimits, podQosClass } from '../src/cgroups/index.js';
import { ProcessRuntime } from '../src/runtime/index.js';
import { until } from './support/until.js';

const layout = detectCgroupLayout();
const managers: CgroupManager[] = [];
const runtimes: ProcessRuntime[] = [];
const tempDirs: string[] = [];

function manager(rootName = `skiff-test-${randomBytes(4).toString('hex')}`): CgroupManager {
  const m = new CgroupManager(layout, { rootName });
  managers.push(m);
  return m;
}

function pod(resources: Array<{ requests?: Record<string, string>; limits?: Record<string, string> }>): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: randomUUID() },
    spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })) },
  };
}

const mountOf = (controller: 'memory' | 'cpu' | 'pids'): string =>
  layout.version === 2 ? layout.mountPoint : (layout.mountPoints[controller] ?? '');
const read = (file: string): string => readFileSync(file, 'utf8').trim();

afterAll(async () => {
  for (const rt of runtimes) await rt.close();
  for (const m of managers) await m.removeRoot();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  for (const m of managers) for (const d of m.rootDirs()) expect(existsSync(d)).toBe(false);
}, 30_000);

describe('the kubepods QoS tree', () => {
  it('puts Guaranteed pods under kubepods, Burstable and BestEffort under their levels, with pod-level limits', () => {
    const m = manager();
    const guaranteed = pod([
      { limits: { cpu: '500m', memory: '64Mi' } },
      { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '250m', memory: '32Mi' } },
    ]);
    const burstable = pod([{ requests: { cpu: '100m' } }, {}]);
    const bestEffort = pod([{}]);
    expect([guaranteed, burstable, bestEffort].map(podQosClass)).toEqual(['Guaranteed', 'Burstable', 'BestEffort']);

    const g = ensurePodCgroup(m, guaranteed);
    const b = ensurePodCgroup(m, burstable);
    const e = ensurePodCgroup(m, bestEffort);
    const mem = mountOf('memory');
    expect(g.memoryDir).toBe(join(mem, m.rootName, 'kubepods', `pod${guaranteed.metadata?.uid ?? ''}`));
    expect(b.memoryDir).toBe(join(mem, m.rootName, 'kubepods', 'burstable', `pod${burstable.metadata?.uid ?? ''}`));
    expect(e.memoryDir).toBe(join(mem, m.rootName, 'kubepods', 'besteffort', `pod${bestEffort.metadata?.uid ?? ''}`));
    for (const cg of [g, b, e]) for (const d of cg.dirs) expect(existsSync(d)).toBe(true);
    expect(m.listPods().sort()).toEqual([guaranteed, burstable, bestEffort].map((p) => p.metadata?.uid ?? '').sort());

    if (layout.version === 1) {
      // Guaranteed: shares from the requests (750m), quota and memory limit from the limits' sums.
      expect(read(join(g.cpuDir, 'cpu.shares'))).toBe(String(Math.floor((750 * 1024) / 1000)));
      expect(read(join(g.cpuDir, 'cpu.cfs_quota_us'))).toBe('75000');
      expect(read(join(g.memoryDir, 'memory.limit_in_bytes'))).toBe(String(96 * 1024 * 1024));
      // Burstable without limits on every container: shares only, no quota, no memory limit.
      expect(read(join(b.cpuDir, 'cpu.shares'))).toBe(String(Math.floor((100 * 1024) / 1000)));
      expect(read(join(b.cpuDir, 'cpu.cfs_quota_us'))).toBe('-1');
      // BestEffort: 2 shares for the pod and for its level.
      expect(read(join(e.cpuDir, 'cpu.shares'))).toBe('2');
      expect(read(join(m.qosCgroup('BestEffort').cpuDir, 'cpu.shares'))).toBe('2');
    } else {
      expect(read(join(g.cpuDir, 'cpu.max'))).toBe('75000 100000');
      expect(read(join(g.memoryDir, 'memory.max'))).toBe(String(96 * 1024 * 1024));
      expect(read(join(b.cpuDir, 'cpu.max'))).toBe('max 100000');
      expect(read(join(e.cpuDir, 'cpu.weight'))).toBe('1');
    }
  });

  it('places a container under its pod, and a fresh manager (a restarted kubelet) finds the pod again', async () => {
    const m = manager();
    const p = pod([{ requests: { cpu: '100m' } }]);
    const uid = p.metadata?.uid ?? '';
    ensurePodCgroup(m, p);
    const rootDir = mkdtempSync(join(tmpdir(), 'skiff-tree-'));
    tempDirs.push(rootDir);
    const rt = new ProcessRuntime({ rootDir, cgroups: m, pollIntervalMs: 100 });
    runtimes.push(rt);
    const id = await rt.startContainer({
      podUid: uid,
      podNamespace: 'default',
      podName: 'p',
      containerName: 'app',
      argv: ['sleep', '30'],
      env: {},
      limits: {},
    });
    const state = rt.containerState(id);
    const pid = state?.state === 'running' ? state.pid : 0;
    const cgroupFile = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    expect(cgroupFile).toContain(`/${m.rootName}/kubepods/burstable/pod${uid}/app\n`);

    const again = new CgroupManager(layout, { rootName: m.rootName });
    expect(again.containerCgroup(uid, 'app').memoryDir).toBe(m.containerCgroup(uid, 'app').memoryDir);

    await rt.stopContainer(id, 0);
    await rt.removePod(uid);
    expect(m.listPods()).toEqual([]);
  });

  it('keeps a pod that already has a cgroup directly under the root (from before the tree) where it is', async () => {
    const m = manager();
    const p = pod([{ requests: { cpu: '100m' } }]);
    const uid = p.metadata?.uid ?? '';
    m.createContainerCgroup(uid, 'c0');
    const cg = ensurePodCgroup(m, p);
    expect(cg.memoryDir).toBe(join(mountOf('memory'), m.rootName, `pod${uid}`));
    await m.removePodCgroup(uid);
  });

  // This machine's hybrid layout has an extra cgroup2 mount without the cpu controller: the v2 tree on it.
  const unified = '/sys/fs/cgroup/unified';
  const bareV2 = existsSync(join(unified, 'cgroup.controllers')) && !read(join(unified, 'cgroup.controllers')).split(' ').includes('cpu');
  it.skipIf(!bareV2)('builds the tree on a v2 hierarchy without the cpu controller, skipping only the BestEffort weight', () => {
    const m = new CgroupManager({ version: 2, mountPoint: unified }, { rootName: `skiff-test-${randomBytes(4).toString('hex')}` });
    managers.push(m);
    const bestEffort = pod([{}]);
    const cg = ensurePodCgroup(m, bestEffort);
    expect(cg.dirs).toEqual([join(unified, m.rootName, 'kubepods', 'besteffort', `pod${bestEffort.metadata?.uid ?? ''}`)]);
    expect(existsSync(join(cg.dirs[0] ?? '', 'cgroup.procs'))).toBe(true);
    // A request is a limit the spec asks for: it cannot be honoured, so the pod does not start.
    expect(() => ensurePodCgroup(m, pod([{ requests: { cpu: '100m' } }]))).toThrow(/cpu.weight/);
  });

  it('limits the processes of a pod to --pod-max-pids (plus the runtime helpers of each container)', async () => {
    const m = manager();
    const p = pod([{}]);
    const uid = p.metadata?.uid ?? '';
    expect(podCgroupLimits(p, 4).pidsLimit).toBe(5);
    expect(podCgroupLimits(p, -1).pidsLimit).toBeUndefined();
    expect(podCgroupLimits(p, 4, 3).pidsLimit).toBe(7);
    const rootDir = mkdtempSync(join(tmpdir(), 'skiff-tree-'));
    tempDirs.push(rootDir);
    const rt = new ProcessRuntime({ rootDir, cgroups: m, pollIntervalMs: 100 });
    runtimes.push(rt);
    const cg = ensurePodCgroup(m, p, 4, rt.helperProcessesPerContainer);
    expect(read(join(cg.pidsDir ?? '', 'pids.max'))).toBe(String(4 + rt.helperProcessesPerContainer));
    // The shell starts sleeps until a fork fails: pids.max holds the runtime's helpers, the shell and 3 sleeps.
    const script = 'for i in 1 2 3 4 5 6 7 8; do sleep 30 & echo "$i"; done';
    const id = await rt.startContainer({
      podUid: uid,
      podNamespace: 'default',
      podName: 'p',
      containerName: 'app',
      argv: ['sh', '-c', script],
      env: {},
      limits: {},
    });
    await until(() => Promise.resolve(rt.containerState(id)?.state === 'exited'));
    const log = await rt.readLog(uid, 'app');
    expect(log.filter((l) => /^\d$/.test(l))).toEqual(['1', '2', '3']);
    expect(log.join('\n')).toMatch(/fork/i);
    await rt.stopContainer(id, 0);
    await rt.removePod(uid);
  });
});
