/**
 * The volume manager against a real apiserver (over a real nats-server) and real mounts: contents, modes,
 * tmpfs for secrets and memory-backed emptyDirs, atomic updates, hostPath type checks, the downward API,
 * and nothing mounted or left on disk after tear-down.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, SECRETS, type Pod } from '@skiff/api';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { DATA_LINK, listMountPoints, prepareHostPath, VolumeError, VolumeManager, writeProjection } from '../src/volumes/index.js';

let t: TestApi;
const tempDirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'skiff-vol-'));
  tempDirs.push(d);
  return d;
}

function mountsUnder(dir: string): string[] {
  return listMountPoints().filter((m) => m.startsWith(dir));
}

function fsType(dir: string): string {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === dir);
  return line?.split(' - ')[1]?.split(' ')[0] ?? 'none';
}

beforeAll(async () => {
  t = await startTestApi();
}, 60_000);

afterAll(async () => {
  await t?.stop();
  for (const d of tempDirs) {
    for (const m of mountsUnder(d).sort((a, b) => b.length - a.length)) {
      // a failed test may leave a tmpfs: never leave it mounted
      (await import('node:child_process')).spawnSync('umount', ['-l', m]);
    }
    rmSync(d, { recursive: true, force: true });
  }
});

describe('writeProjection', () => {
  it('swaps versions atomically through ..data and drops what is no longer projected', () => {
    const dir = tempDir();
    expect(
      writeProjection(dir, [
        { path: 'a', data: Buffer.from('1'), mode: 0o644 },
        { path: 'sub/b', data: Buffer.from('2'), mode: 0o400 },
      ]),
    ).toBe(true);
    const first = readlinkSync(join(dir, DATA_LINK));
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('1');
    expect(readFileSync(join(dir, 'sub/b'), 'utf8')).toBe('2');
    expect(lstatSync(join(dir, 'a')).isSymbolicLink()).toBe(true);
    expect(statSync(join(dir, 'sub/b')).mode & 0o777).toBe(0o400);
    // Unchanged: nothing written.
    expect(
      writeProjection(dir, [
        { path: 'a', data: Buffer.from('1'), mode: 0o644 },
        { path: 'sub/b', data: Buffer.from('2'), mode: 0o400 },
      ]),
    ).toBe(false);
    expect(readlinkSync(join(dir, DATA_LINK))).toBe(first);
    expect(writeProjection(dir, [{ path: 'a', data: Buffer.from('3'), mode: 0o644 }])).toBe(true);
    expect(readlinkSync(join(dir, DATA_LINK))).not.toBe(first);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('3');
    expect(existsSync(join(dir, 'sub'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([DATA_LINK, readlinkSync(join(dir, DATA_LINK)), 'a'].sort());
  });
});

describe('prepareHostPath', () => {
  it('checks and creates by type as upstream does', () => {
    const dir = tempDir();
    expect(prepareHostPath(join(dir, 'new/dir'), 'DirectoryOrCreate')).toBe(join(dir, 'new/dir'));
    expect(statSync(join(dir, 'new/dir')).isDirectory()).toBe(true);
    prepareHostPath(join(dir, 'f'), 'FileOrCreate');
    expect(statSync(join(dir, 'f')).isFile()).toBe(true);
    expect(() => prepareHostPath(join(dir, 'f'), 'Directory')).toThrow(`hostPath type check failed: ${join(dir, 'f')} is not a directory`);
    expect(() => prepareHostPath(dir, 'File')).toThrow('is not a file');
    expect(() => prepareHostPath(join(dir, 'nope'), 'Socket')).toThrow('is not a socket file');
    expect(() => prepareHostPath(join(dir, 'no/parent'), 'FileOrCreate')).toThrow(/cannot create file/);
    expect(prepareHostPath(join(dir, 'anything'), undefined)).toBe(join(dir, 'anything'));
  });
});

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('VolumeManager', () => {
  function pod(volumes: NonNullable<Pod['spec']>['volumes']): Pod {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vol-pod', namespace: 'default', uid: randomUUID(), labels: { app: 'web', tier: 'front' } },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['true'],
            resources: { limits: { memory: '64Mi', cpu: '250m' } },
            volumeMounts: (volumes ?? []).map((v) => ({ name: v.name, mountPath: `/mnt/${v.name}` })),
          },
        ],
        volumes,
      },
    };
  }

  it('projects configMaps, secrets (tmpfs, 0400), downward API and projected volumes, updates them, and tears down', async () => {
    const root = tempDir();
    const ns = 'default';
    const suffix = randomUUID().slice(0, 8);
    await t.client.create(CONFIGMAPS, ns, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${suffix}` },
      data: { greeting: 'hello', other: 'x' },
    });
    await t.client.create(SECRETS, ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `s-${suffix}` },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
    const vm = new VolumeManager({
      rootDir: root,
      client: t.client,
      allocatable: () => ({ milliCpu: 2000, memoryBytes: 1 << 30 }),
      objectTtlMs: 0,
    });
    const p = pod([
      { name: 'config', configMap: { name: `cm-${suffix}`, items: [{ key: 'greeting', path: 'conf/greeting.txt', mode: 0o600 }] } },
      { name: 'secret', secret: { secretName: `s-${suffix}` } },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
      { name: 'scratch', emptyDir: {} },
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
            { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
          ],
        },
      },
      { name: 'all', projected: { sources: [{ configMap: { name: `cm-${suffix}` } }, { secret: { name: `s-${suffix}` } }] } },
    ]);
    await vm.setUpPod(p);
    const mounts = vm.mountsFor(p, p.spec?.containers[0] as NonNullable<Pod['spec']>['containers'][number]);
    const path = (name: string): string => mounts.find((m) => m.containerPath === `/mnt/${name}`)?.hostPath ?? '';
    expect(mounts.find((m) => m.containerPath === '/mnt/config')?.readOnly).toBe(true);
    expect(mounts.find((m) => m.containerPath === '/mnt/cache')?.readOnly).toBe(false);
    expect(readFileSync(join(path('config'), 'conf/greeting.txt'), 'utf8')).toBe('hello');
    expect(statSync(join(path('config'), 'conf/greeting.txt')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(path('config'), 'other'))).toBe(false);
    expect(readFileSync(join(path('secret'), 'password'), 'utf8')).toBe('s3cret');
    expect(statSync(join(path('secret'), 'password')).mode & 0o777).toBe(0o400);
    expect(fsType(path('secret'))).toBe('tmpfs');
    expect(fsType(path('all'))).toBe('tmpfs');
    expect(fsType(path('cache'))).toBe('tmpfs');
    expect(fsType(path('scratch'))).toBe('none');
    expect(readFileSync(join(path('info'), 'labels'), 'utf8')).toBe('app="web"\ntier="front"');
    expect(readFileSync(join(path('info'), 'name'), 'utf8')).toBe('vol-pod');
    expect(readFileSync(join(path('info'), 'mem'), 'utf8')).toBe('64');
    expect(readFileSync(join(path('info'), 'cpu'), 'utf8')).toBe('250');
    expect(
      readdirSync(path('all'))
        .filter((n) => !n.startsWith('..'))
        .sort(),
    ).toEqual(['greeting', 'other', 'password']);
    expect(statSync(join(path('all'), 'password')).mode & 0o777).toBe(0o400);
    expect(statSync(join(path('all'), 'greeting')).mode & 0o777).toBe(0o644);

    // An update of the configMap is swapped in on the next set-up.
    const cm = await t.client.get<{ data?: Record<string, string> } & Pod>(CONFIGMAPS, ns, `cm-${suffix}`);
    await t.client.update(CONFIGMAPS, { ...cm, data: { greeting: 'bonjour', other: 'x' } });
    await vm.setUpPod(p);
    expect(readFileSync(join(path('config'), 'conf/greeting.txt'), 'utf8')).toBe('bonjour');
    expect(readFileSync(join(path('all'), 'greeting'), 'utf8')).toBe('bonjour');

    vm.tearDownPod(p.metadata?.uid ?? '');
    expect(mountsUnder(root)).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
  });

  it('reports a missing configMap as a VolumeError, accepts a missing optional one, and removes orphans', async () => {
    const root = tempDir();
    const vm = new VolumeManager({ rootDir: root, client: t.client, allocatable: () => ({ milliCpu: 1000, memoryBytes: 1 << 30 }) });
    const missing = pod([{ name: 'config', configMap: { name: 'does-not-exist' } }]);
    await expect(vm.setUpPod(missing)).rejects.toThrow(
      'MountVolume.SetUp failed for volume "config" : configmap "does-not-exist" not found',
    );
    expect(() => vm.mountsFor(missing, missing.spec?.containers[0] as NonNullable<Pod['spec']>['containers'][number])).toThrow(VolumeError);
    const optional = pod([
      { name: 'config', configMap: { name: 'does-not-exist', optional: true } },
      { name: 'mem', emptyDir: { medium: 'Memory' } },
    ]);
    await vm.setUpPod(optional);
    const uid = optional.metadata?.uid ?? '';
    expect(mountsUnder(root).length).toBe(1);
    // subPathExpr expands the container's env; the sub-directory is made inside the volume.
    const main = { name: 'main', image: 'busybox', volumeMounts: [{ name: 'mem', mountPath: '/logs', subPathExpr: 'by-pod/$(POD_NAME)' }] };
    const [sub] = vm.mountsFor(optional, main, { POD_NAME: 'vol-pod' });
    expect(sub?.hostPath.endsWith('/mem/by-pod/vol-pod')).toBe(true);
    expect(statSync(sub?.hostPath ?? '').isDirectory()).toBe(true);
    expect(() => vm.mountsFor(optional, { ...main, volumeMounts: [{ name: 'mem', mountPath: '/x', subPath: '../escape' }] })).toThrow(
      /invalid subPath/,
    );
    writeFileSync(join(root, uid, 'marker'), 'x');
    // A new manager (a kubelet restart) removes the volumes of pods that are gone.
    const next = new VolumeManager({ rootDir: root, client: t.client, allocatable: () => ({ milliCpu: 1000, memoryBytes: 1 << 30 }) });
    next.cleanupOrphans(new Set([missing.metadata?.uid ?? '']));
    expect(mountsUnder(root)).toEqual([]);
    expect(existsSync(join(root, uid))).toBe(false);
  });
});
