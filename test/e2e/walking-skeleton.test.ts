/**
 * The walking skeleton end to end: `skiff up` (real nats-server, apiserver,
 * scheduler, controller-manager, kubelet as separate processes), the real
 * kubectl, real processes and cgroups.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podCgroupDir, podCgroups, startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
  // Nothing left behind: no cgroups in any hierarchy, no container processes.
  if (cluster !== undefined) {
    for (const hierarchy of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', '']) {
      expect(existsSync(join('/sys/fs/cgroup', hierarchy, cluster.cgroupRoot))).toBe(false);
    }
    expect(processesMatching(cluster.dataDir)).toEqual([]);
  }
});

/** True while a process exists and is not a zombie (this sandbox's init reaps orphans lazily). */
function isAlive(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function processesMatching(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

function podManifest(name: string, command: string, extra: Record<string, unknown> = {}, resources?: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', command], ...(resources === undefined ? {} : { resources }) }],
      ...extra,
    },
  });
}

async function applyJson(manifest: string): Promise<void> {
  const file = join(cluster.dataDir, `m-${Math.random().toString(36).slice(2)}.json`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, manifest);
  await cluster.kubectl('apply', '-f', file);
}

async function jsonpath(resource: string, path: string): Promise<string> {
  return cluster.kubectl('get', resource, '-o', `jsonpath={${path}}`);
}

describe('walking skeleton', () => {
  it('runs a pod from kubectl apply to Running, shows tables and logs, and deletes it with its process and cgroup', async () => {
    await applyJson(podManifest('hello', 'echo hello; sleep 3600'));
    const started = Date.now();
    await waitFor('hello to be Running', async () => (await jsonpath('pod/hello', '.status.phase')) === 'Running', 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);

    const wide = await cluster.kubectl('get', 'pods', '-o', 'wide');
    expect(wide).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(wide).toMatch(new RegExp(`hello\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+127\\.0\\.0\\.1\\s+${cluster.nodeName}`));
    const nodes = await cluster.kubectl('get', 'nodes');
    expect(nodes).toMatch(/NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(nodes).toMatch(new RegExp(`${cluster.nodeName}\\s+Ready\\s+<none>`));

    await waitFor('logs to show hello', async () => (await cluster.kubectl('logs', 'hello')).trim() === 'hello', 10_000);

    const uid = await jsonpath('pod/hello', '.metadata.uid');
    // The kubelet reads the container's cgroup statistics (native reader).
    const summary = (await (await fetch(`http://127.0.0.1:${cluster.ports.kubelet}/stats/summary`)).json()) as {
      pods: Array<{ podRef: { uid: string }; containers: Array<{ name: string; memory: { workingSetBytes: number } }> }>;
    };
    const stats = summary.pods.find((p) => p.podRef.uid === uid);
    expect(stats?.containers[0]?.name).toBe('main');
    expect(stats?.containers[0]?.memory.workingSetBytes).toBeGreaterThan(0);
    const podDir = podCgroupDir(cluster.cgroupRoot, uid);
    expect(podDir).toBeDefined();
    const procs = join(podDir ?? '', 'main', 'cgroup.procs');
    const pids = readFileSync(procs, 'utf8')
      .trim()
      .split('\n')
      .filter((p) => p !== '');
    expect(pids.length).toBeGreaterThan(0);

    await cluster.kubectl('delete', 'pod', 'hello', '--timeout=60s');
    expect((await cluster.kubectlResult('get', 'pod', 'hello')).stderr).toMatch(/NotFound/);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(podCgroupDir(cluster.cgroupRoot, uid)).toBeUndefined();
  });

  it('reports OOMKilled when a container exceeds its memory limit', async () => {
    await applyJson(
      podManifest(
        'oom',
        'python3 -c "b = bytearray(300 * 1024 * 1024); import time; time.sleep(30)"',
        { restartPolicy: 'Never' },
        { limits: { memory: '64Mi', cpu: '500m' } },
      ),
    );
    await waitFor('oom to fail', async () => (await jsonpath('pod/oom', '.status.phase')) === 'Failed', 30_000, 250);
    expect(await jsonpath('pod/oom', '.status.containerStatuses[0].state.terminated.reason')).toBe('OOMKilled');
    expect(await jsonpath('pod/oom', '.status.containerStatuses[0].state.terminated.exitCode')).toBe('137');
    await cluster.kubectl('delete', 'pod', 'oom', '--timeout=60s');
  });

  it('keeps a pod that requests more cpu than the node has Pending with PodScheduled=False', async () => {
    await applyJson(podManifest('too-big', 'sleep 3600', {}, { requests: { cpu: '1000' } }));
    const message = await waitFor(
      'PodScheduled=False',
      async () => {
        const m = await jsonpath('pod/too-big', '.status.conditions[?(@.type=="PodScheduled")].message');
        return m === '' ? undefined : m;
      },
      15_000,
    );
    expect(message).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
    expect(await jsonpath('pod/too-big', '.status.conditions[?(@.type=="PodScheduled")].status')).toBe('False');
    expect(await jsonpath('pod/too-big', '.status.conditions[?(@.type=="PodScheduled")].reason')).toBe('Unschedulable');
    expect(await jsonpath('pod/too-big', '.status.phase')).toBe('Pending');
    const events = await cluster.kubectl('get', 'events', '--field-selector', 'involvedObject.name=too-big');
    expect(events).toMatch(/FailedScheduling/);
    await cluster.kubectl('delete', 'pod', 'too-big', '--timeout=60s');
  });

  it('loses no pod and duplicates none when the scheduler and the kubelet are killed and restarted mid-run', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `churn-${i}`);
    const marker = `sleep 36${Math.floor(Math.random() * 90 + 10)}`;
    for (const name of names.slice(0, 6)) await applyJson(podManifest(name, `${marker}`));
    // Kill both while pods are being placed and started; skiff up restarts them.
    const killed = killComponent('scheduler') + killComponent('kubelet');
    expect(killed).toBe(2);
    for (const name of names.slice(6)) await applyJson(podManifest(name, `${marker}`));
    await waitFor(
      'every pod Running',
      async () => {
        const phases = (
          await cluster.kubectl('get', 'pods', '-l', '', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}')
        )
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('churn-'));
        return phases.length === names.length && phases.every((l) => l.endsWith('=Running'));
      },
      60_000,
      250,
    );
    const listed = (await cluster.kubectl('get', 'pods', '-o', 'name'))
      .trim()
      .split('\n')
      .filter((l) => l.includes('churn-'));
    expect(listed.sort()).toEqual(names.map((n) => `pod/${n}`).sort());
    // Exactly one container process per pod: nothing started twice.
    const sleepers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() === marker);
    expect(sleepers.length).toBe(names.length);
    const restarts = await cluster.kubectl('get', 'pods', '-o', 'jsonpath={.items[*].status.containerStatuses[0].restartCount}');
    expect(
      restarts
        .trim()
        .split(/\s+/)
        .every((r) => r === '0'),
    ).toBe(true);
    expect(podCgroups(cluster.cgroupRoot).length).toBe(names.length);
    await cluster.kubectl('delete', 'pods', '--all', '--timeout=60s');
    await waitFor(
      'every container process gone',
      () => !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(marker),
      30_000,
    );
  });
});

/** SIGKILLs one component of the cluster (found by its command line); returns how many it killed. */
function killComponent(name: 'scheduler' | 'kubelet'): number {
  const port = name === 'scheduler' ? cluster.ports.scheduler : cluster.ports.kubelet;
  const lines = execFileSync('ps', ['-eo', 'pid,ppid,args'], { encoding: 'utf8' }).split('\n');
  const matches = new Map<number, number>();
  for (const line of lines) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const args = m[3] ?? '';
    if (args.includes(`skiff.js ${name} `) && new RegExp(`--port ${port}(\\s|$)`).test(args) && args.includes(cluster.natsUrl)) {
      matches.set(Number(m[1]), Number(m[2]));
    }
  }
  // A child the component just forked shows the component's args until it execs: kill the component only.
  let n = 0;
  for (const [pid, ppid] of matches) {
    if (matches.has(ppid)) continue;
    process.kill(pid, 'SIGKILL');
    n++;
  }
  return n;
}
