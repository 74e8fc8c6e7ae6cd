/**
 * The runc backend with real runc, cgroups and a busybox image imported into a temporary store: exit codes
 * and logs, the image's root and the pod's hostname, volumes, stop by SIGTERM and SIGKILL, exec, OOMKilled,
 * a missing image, and nothing left behind (runc state, cgroups, processes).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupManager, detectCgroupLayout } from '../src/cgroups/index.js';
import { importImage, normaliseImageName } from '../src/runtime/image-store.js';
import { createRuncRuntime, ImagePullError, type ContainerConfig, type ProcessRuntime } from '../src/runtime/index.js';
import { makeBusyboxRootfs, runcAvailable } from './support/busybox-rootfs.js';
import { exitOf, until } from './support/until.js';

const available = runcAvailable();
let rootDir = '';
let cgroups: CgroupManager;
let runtime: ProcessRuntime;

function config(script: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    podUid: randomUUID(),
    podNamespace: 'default',
    podName: 'runc-pod',
    containerName: 'app',
    argv: ['sh', '-c', script],
    env: { GREETING: 'hello' },
    limits: {},
    image: 'busybox',
    ...extra,
  };
}

/** Pod cgroups below the test's cgroup root in any hierarchy (the shared QoS levels stay until removeRoot). */
function cgroupLeftovers(): string[] {
  const roots = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, cgroups.rootName));
  return roots.filter(existsSync).flatMap((d) =>
    execFileSync('find', [d, '-type', 'd', '-name', 'pod*'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== ''),
  );
}

beforeAll(async () => {
  if (!available) return;
  rootDir = mkdtempSync(join(tmpdir(), 'skiff-runc-'));
  const rootfs = join(rootDir, 'src-rootfs');
  makeBusyboxRootfs(rootfs);
  await importImage(rootDir, 'busybox', rootfs);
  cgroups = new CgroupManager(detectCgroupLayout(), { rootName: `skiff-test-${randomBytes(4).toString('hex')}` });
  runtime = createRuncRuntime({ rootDir, cgroups, pollIntervalMs: 100 });
}, 60_000);

afterAll(async () => {
  if (!available) return;
  await runtime.close();
  await cgroups.removeRoot();
  // runc's directories in the hierarchies the CgroupManager does not manage (the root itself stays after cleanup).
  for (const h of readdirSync('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', h, cgroups.rootName));
    } catch {
      // not there
    }
  }
  rmSync(rootDir, { recursive: true, force: true });
}, 30_000);

describe('image names', () => {
  it('normalises names as kubectl users write them', () => {
    expect(normaliseImageName('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normaliseImageName('busybox:1.36')).toBe('docker.io/library/busybox:1.36');
    expect(normaliseImageName('foo/bar')).toBe('docker.io/foo/bar:latest');
    expect(normaliseImageName('registry.k8s.io/pause:3.9')).toBe('registry.k8s.io/pause:3.9');
    expect(normaliseImageName('localhost:5000/x')).toBe('localhost:5000/x:latest');
  });
});

describe.runIf(available)('runc runtime', () => {
  it('runs the image with its exit code, log, env and hostname, then removes everything', async () => {
    const c = config('echo "$GREETING from $(hostname)"; ls /bin/busybox; test -e /usr/bin/node || echo no-host-root; exit 3');
    const id = await runtime.startContainer(c);
    const exit = await exitOf(runtime, id);
    expect(exit.exitCode).toBe(3);
    expect(exit.reason).toBe('Error');
    expect(await runtime.readLog(c.podUid, 'app')).toEqual(['hello from runc-pod', '/bin/busybox', 'no-host-root']);
    await runtime.removePod(c.podUid);
    expect(execFileSync('runc', ['--root', join(rootDir, 'runc'), 'list', '-q'], { encoding: 'utf8' }).trim()).toBe('');
    expect(cgroups.pids(cgroups.podCgroup(c.podUid))).toEqual([]);
  }, 60_000);

  it('binds volumes into the container', async () => {
    const vol = join(rootDir, 'vol');
    mkdirSync(vol);
    writeFileSync(join(vol, 'f'), 'from-the-host\n');
    const c = config('cat /data/f; echo written > /data/g', { mounts: [{ hostPath: vol, containerPath: '/data', readOnly: false }] });
    const id = await runtime.startContainer(c);
    expect((await exitOf(runtime, id)).exitCode).toBe(0);
    expect(await runtime.readLog(c.podUid, 'app')).toEqual(['from-the-host']);
    expect(existsSync(join(vol, 'g'))).toBe(true);
    await runtime.removePod(c.podUid);
  }, 60_000);

  it('stops with SIGTERM when the process handles it, else SIGKILL after the grace period; exec runs inside', async () => {
    const handled = config("trap 'echo bye; exit 143' TERM; echo up; while true; do sleep 0.1; done");
    const ignored = config('echo up; exec sleep 1000');
    const a = await runtime.startContainer(handled);
    const b = await runtime.startContainer(ignored);
    for (const c of [handled, ignored]) await until(async () => (await runtime.readLog(c.podUid, 'app')).includes('up') || undefined);
    const exec = execFileSync(runtime.execPrefix(b)[0] as string, [...runtime.execPrefix(b).slice(1), 'hostname'], { encoding: 'utf8' });
    expect(exec.trim()).toBe('runc-pod');
    await Promise.all([runtime.stopContainer(a, 10), runtime.stopContainer(b, 1)]);
    expect((await exitOf(runtime, a)).exitCode).toBe(143);
    expect(await runtime.readLog(handled.podUid, 'app')).toContain('bye');
    const killed = await exitOf(runtime, b);
    expect(killed.exitCode).toBe(137);
    expect(killed.signal).toBe('SIGKILL');
    await runtime.removePod(handled.podUid);
    await runtime.removePod(ignored.podUid);
  }, 60_000);

  it('reports OOMKilled when the container exceeds its memory limit', async () => {
    const c = config('dd if=/dev/zero of=/dev/null bs=64M count=1', { limits: { memoryLimitBytes: 16 * 1024 * 1024 } });
    const id = await runtime.startContainer(c);
    const exit = await exitOf(runtime, id);
    expect(exit.exitCode).toBe(137);
    expect(exit.reason).toBe('OOMKilled');
    await runtime.removePod(c.podUid);
  }, 60_000);

  it('refuses a missing image with the upstream message and leaves nothing', async () => {
    const c = config('true', { image: 'nope' });
    await expect(runtime.startContainer(c)).rejects.toThrow(ImagePullError);
    await expect(runtime.startContainer(c)).rejects.toThrow(
      'failed to pull and unpack image "docker.io/library/nope:latest": failed to resolve reference',
    );
    await runtime.removePod(c.podUid);
  });

  it("runs the image's Entrypoint and Cmd for a container without a command, its args replacing Cmd", async () => {
    await importImage(rootDir, 'example.com/entry:1', join(rootDir, 'src-rootfs'), {
      Entrypoint: ['sh', '-c', 'echo "entry $0 $*"'],
      Cmd: ['from-cmd'],
    });
    const defaults = config('', { image: 'example.com/entry:1', argv: [] });
    expect((await exitOf(runtime, await runtime.startContainer(defaults))).exitCode).toBe(0);
    expect(await runtime.readLog(defaults.podUid, 'app')).toEqual(['entry from-cmd ']);
    const withArgs = config('', { image: 'example.com/entry:1', argv: ['a1', 'a2'], args: ['a1', 'a2'] });
    expect((await exitOf(runtime, await runtime.startContainer(withArgs))).exitCode).toBe(0);
    expect(await runtime.readLog(withArgs.podUid, 'app')).toEqual(['entry a1 a2']);
    // An image without defaults and a container without a command: nothing to run, nothing created.
    const none = config('', { argv: [] });
    await expect(runtime.startContainer(none)).rejects.toThrow(/no command specified/);
    for (const c of [defaults, withArgs, none]) await runtime.removePod(c.podUid);
  }, 60_000);

  it('imports an OCI-layout tar: layers in order with whiteouts, and the Env and WorkingDir of its config', async () => {
    const work = join(rootDir, 'oci-work');
    const base = join(work, 'base');
    const top = join(work, 'top');
    const layout = join(work, 'layout');
    makeBusyboxRootfs(base);
    mkdirSync(join(base, 'opt', 'a'), { recursive: true });
    writeFileSync(join(base, 'etc', 'gone'), 'x');
    writeFileSync(join(base, 'opt', 'a', 'old'), 'x');
    mkdirSync(join(top, 'etc'), { recursive: true });
    mkdirSync(join(top, 'opt', 'a'), { recursive: true });
    writeFileSync(join(top, 'etc', '.wh.gone'), '');
    writeFileSync(join(top, 'opt', 'a', '.wh..wh..opq'), '');
    writeFileSync(join(top, 'opt', 'a', 'new'), 'x');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const blob = (file: string): { digest: string; size: number } => {
      const hex = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] as string;
      execFileSync('mv', [file, join(layout, 'blobs', 'sha256', hex)]);
      return { digest: `sha256:${hex}`, size: 0 };
    };
    const json = (name: string, value: object): { digest: string; size: number } => {
      writeFileSync(join(work, name), JSON.stringify(value));
      return blob(join(work, name));
    };
    execFileSync('tar', ['-C', base, '-czf', join(work, 'l1.tgz'), '.']);
    execFileSync('tar', ['-C', top, '-cf', join(work, 'l2.tar'), '.']);
    const layers = [blob(join(work, 'l1.tgz')), blob(join(work, 'l2.tar'))];
    const cfg = json('config.json', { config: { Env: ['FOO=from-image', 'PATH=/bin'], WorkingDir: '/opt/a', Cmd: ['sh'] } });
    const manifest = json('manifest.json', { schemaVersion: 2, config: cfg, layers });
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }),
    );
    execFileSync('tar', ['-C', layout, '-cf', join(work, 'image.tar'), '.']);
    const image = await importImage(rootDir, 'example.com/oci/test:1', join(work, 'image.tar'));
    expect(image.config).toEqual({ Env: ['FOO=from-image', 'PATH=/bin'], WorkingDir: '/opt/a', Cmd: ['sh'] });
    expect(existsSync(join(image.rootfs, 'etc', 'gone'))).toBe(false);
    expect(readdirSync(join(image.rootfs, 'opt', 'a'))).toEqual(['new']);
    rmSync(work, { recursive: true, force: true });

    const c = config('echo "$FOO $(pwd)"', { image: 'example.com/oci/test:1', env: {} });
    const id = await runtime.startContainer(c);
    expect((await exitOf(runtime, id)).exitCode).toBe(0);
    expect(await runtime.readLog(c.podUid, 'app')).toEqual(['from-image /opt/a']);
    await runtime.removePod(c.podUid);
  }, 60_000);

  it('leaves no runc state, cgroups or processes behind', () => {
    expect(execFileSync('runc', ['--root', join(rootDir, 'runc'), 'list', '-q'], { encoding: 'utf8' }).trim()).toBe('');
    expect(cgroupLeftovers()).toEqual([]);
    expect(existsSync(join(rootDir, 'pods')) ? readdirSync(join(rootDir, 'pods')) : []).toEqual([]);
  });
});
