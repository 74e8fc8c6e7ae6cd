/**
 * Stopping `skiff up` (Ctrl-C) with pods in every awkward state leaves nothing
 * behind: a pod with a configMap and a memory-backed emptyDir (tmpfs mounts), a
 * pod whose process ignores SIGTERM (killed at the end of its grace period), and
 * a pod that never got a container (`CreateContainerConfigError`). Every
 * component stops by itself within the supervisor's time (none is SIGKILLed),
 * no container process, cgroup or mount is left, and the scheduler was never
 * refused a watch by its NATS permissions on the way (it follows namespaces,
 * Services and ReplicaSets as well as pods and nodes).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { cgroupRootDir, podCgroups, startCluster, waitFor, writeManifest, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: extra}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {greeting: hello}
---
apiVersion: v1
kind: Service
metadata: {name: vol}
spec:
  selector: {app: vol}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: vol, labels: {app: vol}}
spec:
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: cfg, configMap: {name: cfg}}
  - {name: scratch, emptyDir: {medium: Memory}}
---
apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: busybox
    command: [sh, -c, "trap '' TERM; while :; do sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: nocmd}
spec:
  containers:
  - {name: c, image: busybox}
`;

/** Names of the directories in `d` ([] when it is gone). */
function subdirectories(d: string): string[] {
  try {
    return readdirSync(d, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Pids of every process in a cgroup tree. */
function processesUnder(dir: string): number[] {
  const procs = join(dir, 'cgroup.procs');
  const own = existsSync(procs) ? readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  return [...own, ...subdirectories(dir).flatMap((e) => processesUnder(join(dir, e)))];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stopping skiff up', () => {
  it('leaves no process, cgroup or mount behind, with every component stopping by itself', async () => {
    await cluster.kubectl('apply', '-f', writeManifest(cluster, 'stop', MANIFEST));
    const pod = async (name: string): Promise<Pod> => JSON.parse(await cluster.kubectl('get', 'pod', name, '-o', 'json')) as Pod;
    await waitFor(
      'vol and stubborn Running',
      async () => (await pod('vol')).status?.phase === 'Running' && (await pod('stubborn')).status?.phase === 'Running',
      60_000,
      250,
    );
    await waitFor(
      'nocmd in CreateContainerConfigError',
      async () => (await pod('nocmd')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
      30_000,
      250,
    );
    const root = cgroupRootDir(cluster.cgroupRoot);
    const pids = processesUnder(root);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(podCgroups(cluster.cgroupRoot).length).toBeGreaterThanOrEqual(2);
    const mountsUnderData = (): string[] =>
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(cluster.dataDir));
    expect(mountsUnderData().length).toBeGreaterThanOrEqual(1);

    const exited = new Promise<number | null>((resolve) => cluster.up.once('exit', (code) => resolve(code)));
    cluster.up.kill('SIGINT');
    const code = await exited;

    const out = cluster.output();
    expect(code, out).toBe(0);
    expect(out).toContain('skiff: stopped');
    expect(out).not.toContain('did not stop within');
    const kubeletLog = readFileSync(join(cluster.dataDir, 'logs', 'kubelet.log'), 'utf8');
    expect(kubeletLog).toContain('"msg":"kubelet stopped"');
    expect(kubeletLog).not.toContain('pod workers still busy at stop');
    const schedulerLog = readFileSync(join(cluster.dataDir, 'logs', 'scheduler.log'), 'utf8');
    expect(schedulerLog).not.toMatch(/permissions violation/i);
    expect(pids.filter(alive)).toEqual([]);
    for (const hierarchy of subdirectories('/sys/fs/cgroup')) {
      expect(existsSync(join('/sys/fs/cgroup', hierarchy, cluster.cgroupRoot)), hierarchy).toBe(false);
    }
    expect(mountsUnderData()).toEqual([]);
  });
});
