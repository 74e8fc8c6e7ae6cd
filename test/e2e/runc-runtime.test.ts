/**
 * The runc backend end to end: `skiff up --kubelet-extra-args=--container-runtime=runc`, a busybox image
 * imported with `skiff image import` (from a rootfs tar), a pod running in it with `kubectl logs`; a pod
 * whose image is missing waits with ErrImagePull then ImagePullBackOff and runs once the image is imported;
 * pods without a command run the image's Entrypoint and Cmd (args replacing Cmd);
 * deleting the pods leaves no runc state, pod cgroups, processes or mounts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxRootfs, runcAvailable } from '../../packages/kubelet/test/support/busybox-rootfs.js';
import { podCgroups, SKIFF_BIN, startCluster, waitFor, writeManifest, type TestCluster } from '../support/cluster.js';

const run = promisify(execFile);
const available = runcAvailable();
let cluster: TestCluster;

async function importImage(name: string, source: string, ...flags: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [
    SKIFF_BIN,
    'image',
    'import',
    name,
    source,
    '--root-dir',
    join(cluster.dataDir, 'kubelet'),
    ...flags,
  ]);
  return stdout.trim();
}

function pod(name: string, image: string, script: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '  - name: app',
    `    image: ${image}`,
    `    command: ["sh", "-c", ${JSON.stringify(script)}]`,
    '',
  ].join('\n');
}

async function statusOf(name: string): Promise<string> {
  const out = await cluster.kubectl('get', 'pod', name, '--no-headers');
  return out.trim().split(/\s+/)[2] ?? '';
}

beforeAll(async () => {
  if (!available) return;
  cluster = await startCluster({ args: ['--kubelet-extra-args=--container-runtime=runc'] });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
}, 120_000);

describe.runIf(available)('runc container runtime', () => {
  it('runs pods from imported images, reports missing ones as ErrImagePull/ImagePullBackOff, and cleans up', async () => {
    const rootfs = join(cluster.dataDir, 'busybox-rootfs');
    makeBusyboxRootfs(rootfs);
    const tar = join(cluster.dataDir, 'busybox.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
    expect(await importImage('busybox', tar)).toBe('imported docker.io/library/busybox:latest');

    await cluster.kubectl(
      'apply',
      '-f',
      writeManifest(cluster, 'hello', pod('hello', 'busybox', 'echo hello from $(hostname); exec sleep 3600')),
    );
    await waitFor('hello Running', async () => (await statusOf('hello')) === 'Running', 60_000, 250);
    await waitFor('hello logs', async () => (await cluster.kubectl('logs', 'hello')).includes('hello from hello'), 30_000, 250);

    await cluster.kubectl('apply', '-f', writeManifest(cluster, 'later', pod('later', 'nope', 'echo finally; exec sleep 3600')));
    // ErrImagePull lasts one sync: the next shows ImagePullBackOff; the Failed event below proves the pull error.
    await waitFor('ErrImagePull', async () => ['ErrImagePull', 'ImagePullBackOff'].includes(await statusOf('later')), 60_000, 200);
    await waitFor(
      'the Failed event with the pull error',
      async () => {
        const events = JSON.parse(await cluster.kubectl('get', 'events', '-o', 'json')) as {
          items: Array<{ reason?: string; message?: string }>;
        };
        return events.items.some(
          (e) => e.reason === 'Failed' && e.message?.includes('failed to pull and unpack image "docker.io/library/nope:latest"') === true,
        );
      },
      30_000,
      250,
    );
    await waitFor('ImagePullBackOff', async () => (await statusOf('later')) === 'ImagePullBackOff', 60_000, 200);
    await importImage('nope', rootfs);
    await waitFor('later Running', async () => (await statusOf('later')) === 'Running', 90_000, 250);
    await waitFor('later logs', async () => (await cluster.kubectl('logs', 'later')).includes('finally'), 30_000, 250);

    // No command in the pod: the image's Entrypoint and Cmd run (`kubectl run` without `--`), args replace Cmd.
    await importImage('example.com/greeter:1', tar, '--entrypoint=["sh","-c","echo greeting $0; exec sleep 3600"]', '--cmd=["from-cmd"]');
    await cluster.kubectl('run', 'greeter', '--image=example.com/greeter:1', '--restart=Never');
    await cluster.kubectl('run', 'greeter-args', '--image=example.com/greeter:1', '--restart=Never', '--', 'from-args');
    for (const [name, word] of [
      ['greeter', 'from-cmd'],
      ['greeter-args', 'from-args'],
    ] as const) {
      await waitFor(`${name} logs`, async () => (await cluster.kubectl('logs', name)).includes(`greeting ${word}`), 60_000, 250);
    }

    await cluster.kubectl('delete', 'pod', 'hello', 'later', 'greeter', 'greeter-args', '--wait=true', '--timeout=90s');
    const runcRoot = join(cluster.dataDir, 'kubelet', 'runc');
    await waitFor(
      'no runc containers',
      () => execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).trim() === '',
      30_000,
      250,
    );
    await waitFor('no pod cgroups', () => podCgroups(cluster.cgroupRoot).length === 0, 30_000, 250);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(`${cluster.dataDir}/kubelet/runc`))).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').includes(cluster.dataDir)).toBe(false);
  }, 300_000);
});
