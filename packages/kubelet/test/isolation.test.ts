/**
 * Container isolation with real processes, namespaces and mounts: volumes bound at their container path
 * without touching the host's tree, read-only mounts, the pod's hostname, a low pid inside the container,
 * signals and exit codes still observed, and no mount left anywhere afterwards.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupManager, detectCgroupLayout } from '../src/cgroups/index.js';
import { detectNamespaces, ProcessRuntime, type ContainerConfig, type ContainerMount } from '../src/runtime/index.js';
import { listMountPoints } from '../src/volumes/index.js';
import { resolveInRoot } from '../src/runtime/isolation.js';
import { exitOf, until } from './support/until.js';

const tempDirs: string[] = [];
const managers: CgroupManager[] = [];
const runtimes: ProcessRuntime[] = [];

function setup(): { rootDir: string; runtime: ProcessRuntime } {
  const rootDir = mkdtempSync(join(tmpdir(), 'skiff-iso-'));
  tempDirs.push(rootDir);
  const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: `skiff-test-${randomBytes(4).toString('hex')}` });
  managers.push(cgroups);
  const runtime = new ProcessRuntime({ rootDir, cgroups, pollIntervalMs: 100 });
  runtimes.push(runtime);
  return { rootDir, runtime };
}

function config(script: string, mounts: ContainerMount[] = [], podName = 'iso-pod'): ContainerConfig {
  return {
    podUid: randomUUID(),
    podNamespace: 'default',
    podName,
    containerName: 'app',
    argv: ['sh', '-c', script],
    env: {},
    limits: {},
    mounts,
  };
}

function mountsUnder(dir: string): string[] {
  return listMountPoints().filter((m) => m.startsWith(dir));
}

afterAll(async () => {
  for (const rt of runtimes) await rt.close();
  for (const m of managers) await m.removeRoot();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}, 30_000);

const support = process.getuid?.() === 0 ? detectNamespaces() : undefined;

describe.runIf(support?.mount === true)('container isolation', () => {
  it('binds volumes at their container paths without touching the host, read-only where asked', async () => {
    const { rootDir, runtime } = setup();
    expect(existsSync('/etc/skiff-test-config')).toBe(false);
    const vol = join(rootDir, 'vol');
    const data = join(rootDir, 'data');
    mkdirSync(vol);
    mkdirSync(data);
    writeFileSync(join(vol, 'greeting'), 'hello\n');
    const file = join(rootDir, 'single');
    writeFileSync(file, 'one file\n');
    const cfg = config(
      [
        'cat /etc/skiff-test-config/greeting',
        'touch /etc/skiff-test-config/x 2>/dev/null && echo writable || echo read-only',
        'echo written > /data-skiff-test/out',
        'cat /opt/skiff-test/single.txt',
        'hostname',
        'echo "pid $$"',
        'ls /proc | grep -c "^[0-9]"',
      ].join('; '),
      [
        { hostPath: vol, containerPath: '/etc/skiff-test-config', readOnly: true },
        { hostPath: data, containerPath: '/data-skiff-test', readOnly: false },
        { hostPath: file, containerPath: '/opt/skiff-test/single.txt', readOnly: true },
      ],
      'my-pod',
    );
    const id = await runtime.startContainer(cfg);
    expect(await exitOf(runtime, id)).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const log = await runtime.readLog(cfg.podUid, 'app');
    expect(log.slice(0, 4)).toEqual(['hello', 'read-only', 'one file', support?.uts === true ? 'my-pod' : log[3]]);
    if (support?.pid === true) {
      // PID 1 is the namespace's init; the container's shell is a low pid and sees only its own processes.
      expect(Number(/^pid (\d+)$/.exec(log[4] ?? '')?.[1])).toBeLessThan(100);
      expect(Number(log[5])).toBeLessThan(10);
    }
    // The writable volume got the file; the host's tree has none of the mount points.
    expect(existsSync(join(data, 'out'))).toBe(true);
    expect(existsSync('/etc/skiff-test-config')).toBe(false);
    expect(existsSync('/data-skiff-test')).toBe(false);
    expect(existsSync('/opt/skiff-test')).toBe(false);
    await runtime.removePod(cfg.podUid);
    expect(mountsUnder(rootDir)).toEqual([]);
  });

  it("hides the runtime's directory: no other pod's volume (a tmpfs there) is visible or held", async () => {
    const { rootDir, runtime } = setup();
    const other = join(rootDir, 'other-pod-secret');
    mkdirSync(other);
    expect(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', other]).status).toBe(0);
    try {
      writeFileSync(join(other, 'password'), 'not-yours');
      const cfg = config(
        `cat ${other}/password 2>/dev/null || echo hidden; grep -q other-pod-secret /proc/self/mountinfo && echo held || echo released; ls ${rootDir} | wc -l`,
      );
      const id = await runtime.startContainer(cfg);
      expect(await exitOf(runtime, id)).toMatchObject({ exitCode: 0 });
      expect(await runtime.readLog(cfg.podUid, 'app')).toEqual(['hidden', 'released', '0']);
      await runtime.removePod(cfg.podUid);
    } finally {
      spawnSync('umount', [other]);
    }
    expect(mountsUnder(rootDir)).toEqual([]);
  });

  it('keeps the cgroup placement, pid, SIGTERM exit code and cleanup of a plain container', async () => {
    const { rootDir, runtime } = setup();
    const cfg = config('echo up; exec sleep 30');
    const id = await runtime.startContainer(cfg);
    const state = runtime.containerState(id) as { pid: number };
    await until(async () => (await runtime.readLog(cfg.podUid, 'app')).includes('up'));
    // The recorded pid is the container's process as the host sees it, and it is killable from outside.
    await until(() => existsSync(`/proc/${state.pid}`) && readFileSync(`/proc/${state.pid}/cmdline`, 'utf8') === 'sleep\u000030\u0000');
    // Exec probes run through execPrefix: inside the container's namespaces (its hostname, its root).
    const probe = spawnSync(runtime.execPrefix(id)[0] as string, [...runtime.execPrefix(id).slice(1), 'hostname'], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe(support?.uts === true ? 'iso-pod' : probe.stdout.trim());
    expect(probe.status).toBe(0);
    process.kill(state.pid, 'SIGTERM');
    expect(await exitOf(runtime, id)).toMatchObject({ exitCode: 143, signal: 'SIGTERM' });
    expect(await runtime.readLog(cfg.podUid, 'app')).toEqual(['up']);
    await runtime.removePod(cfg.podUid);
    expect(mountsUnder(rootDir)).toEqual([]);
  });

  it('stops a container that ignores SIGTERM within the grace period (the init forwards signals)', async () => {
    const { runtime } = setup();
    const cfg = config("trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done");
    const id = await runtime.startContainer(cfg);
    await until(async () => (await runtime.readLog(cfg.podUid, 'app')).includes('ready'));
    await runtime.stopContainer(id, 10);
    expect(runtime.containerState(id)).toMatchObject({ state: 'exited', exitCode: 7 });
    expect(await runtime.readLog(cfg.podUid, 'app')).toContain('got TERM');
    await runtime.removePod(cfg.podUid);
  });

  it('sends the stop signal once, to the main process only (as upstream), not to its children', async () => {
    const { runtime } = setup();
    // The main process handles TERM at once (wait is interrupted) and stays in its handler for a while: a
    // second TERM (the init's forwarded copy of a signal that reached every process) would run it again.
    const child = `sh -c "trap 'echo child TERM' TERM; while :; do sleep 0.1; done" &`;
    const cfg = config(`${child} trap 'echo main TERM; sleep 0.5; exit 0' TERM; echo ready; wait`);
    const id = await runtime.startContainer(cfg);
    await until(async () => (await runtime.readLog(cfg.podUid, 'app')).includes('ready'));
    await runtime.stopContainer(id, 10);
    expect(runtime.containerState(id)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(await runtime.readLog(cfg.podUid, 'app')).toEqual(['ready', 'main TERM']);
    await runtime.removePod(cfg.podUid);
  });

  it('gives the containers of one pod the same UTS and IPC namespaces, apart from the host and other pods', async () => {
    const { runtime } = setup();
    const first = config('readlink /proc/self/ns/ipc; exec sleep 30');
    const second = { ...first, containerName: 'side', argv: ['sh', '-c', 'readlink /proc/self/ns/ipc; hostname; exec sleep 30'] };
    const other = config('readlink /proc/self/ns/ipc; exec sleep 30');
    const ids = [await runtime.startContainer(first), await runtime.startContainer(second), await runtime.startContainer(other)];
    const firstLine = async (uid: string, name: string): Promise<string[]> =>
      until(async () => {
        const lines = await runtime.readLog(uid, name);
        return lines.length > 0 ? lines : undefined;
      });
    const [a] = await firstLine(first.podUid, 'app');
    const [b, host] = await until(async () => {
      const lines = await firstLine(first.podUid, 'side');
      return lines.length >= 2 ? lines : undefined;
    });
    const [c] = await firstLine(other.podUid, 'app');
    expect(a).toMatch(/^ipc:\[\d+\]$/);
    if (support?.ipc === true) {
      expect(b).toBe(a);
      expect(c).not.toBe(a);
      expect(a).not.toBe(readlinkSync('/proc/self/ns/ipc'));
    }
    if (support?.uts === true) expect(host).toBe('iso-pod');
    for (const id of ids) await runtime.stopContainer(id, 1);
    await runtime.removePod(first.podUid);
    await runtime.removePod(other.podUid);
  });

  it('fails the start (nothing left) when a mount cannot be made', async () => {
    const { rootDir, runtime } = setup();
    const cfg = config('true', [{ hostPath: join(rootDir, 'missing'), containerPath: '/etc/skiff-x', readOnly: false }]);
    await expect(runtime.startContainer(cfg)).rejects.toThrow(/does not exist/);
    expect(runtime.listContainers()).toEqual([]);
    expect(mountsUnder(rootDir)).toEqual([]);
  });
});

describe('resolveInRoot', () => {
  it('resolves the symlinks of a mount path inside the root, never above it', () => {
    const root = mkdtempSync(join(tmpdir(), 'skiff-resolve-'));
    try {
      mkdirSync(join(root, 'run'));
      mkdirSync(join(root, 'var'));
      symlinkSync('/run', join(root, 'var', 'run'));
      symlinkSync('../../..', join(root, 'var', 'up'));
      expect(resolveInRoot('/var/run/secrets/x', root)).toBe('/run/secrets/x');
      expect(resolveInRoot('/var/up/etc', root)).toBe('/etc');
      expect(resolveInRoot('/new/top', root)).toBe('/new/top');
      symlinkSync('loop', join(root, 'loop'));
      expect(() => resolveInRoot('/loop/x', root)).toThrow(/too many levels/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
