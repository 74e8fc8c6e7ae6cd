/**
 * Pod lifecycle pieces end to end on a real cluster (`skiff up`, real kubectl, processes and cgroups):
 * init containers in order and failing under each restartPolicy, preStop hooks before SIGTERM within the
 * grace period, the kubepods QoS tree with --pod-max-pids, and the kubelet's /metrics/resource.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupRootDir, podCgroups, startCluster, waitFor, type TestCluster } from '../support/cluster.js';
import { detectNamespaces, helperProcessCount } from '../../packages/kubelet/src/runtime/index.js';

let cluster: TestCluster;
const POD_MAX_PIDS = 40;

beforeAll(async () => {
  cluster = await startCluster({ args: ['--pod-max-pids', String(POD_MAX_PIDS)] });
});

afterAll(async () => {
  await cluster?.stop();
  if (cluster !== undefined) {
    for (const hierarchy of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', '']) {
      expect(existsSync(join('/sys/fs/cgroup', hierarchy, cluster.cgroupRoot))).toBe(false);
    }
  }
});

interface ContainerSpec {
  name: string;
  command: string;
  restartPolicy?: string;
  resources?: Record<string, unknown>;
  lifecycle?: Record<string, unknown>;
}

function container(c: ContainerSpec): Record<string, unknown> {
  return {
    name: c.name,
    image: 'busybox',
    command: ['sh', '-c', c.command],
    ...(c.restartPolicy === undefined ? {} : { restartPolicy: c.restartPolicy }),
    ...(c.resources === undefined ? {} : { resources: c.resources }),
    ...(c.lifecycle === undefined ? {} : { lifecycle: c.lifecycle }),
  };
}

async function apply(
  name: string,
  spec: { containers: ContainerSpec[]; initContainers?: ContainerSpec[]; [k: string]: unknown },
): Promise<void> {
  const { containers, initContainers, ...rest } = spec;
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...rest,
      containers: containers.map(container),
      ...(initContainers === undefined ? {} : { initContainers: initContainers.map(container) }),
    },
  };
  const file = join(cluster.dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(manifest));
  await cluster.kubectl('apply', '-f', file);
}

async function getPod(name: string): Promise<{
  metadata: { uid: string };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    initContainerStatuses?: Array<{ name: string; restartCount: number; state?: Record<string, { reason?: string; exitCode?: number }> }>;
    containerStatuses?: Array<{ name: string; state?: Record<string, unknown> }>;
  };
}> {
  return JSON.parse(await cluster.kubectl('get', 'pod', name, '-o', 'json')) as Awaited<ReturnType<typeof getPod>>;
}

/** The STATUS column of `kubectl get pod`. */
async function kubectlStatus(name: string): Promise<string> {
  const line = (await cluster.kubectl('get', 'pod', name, '--no-headers')).trim();
  return line.split(/\s+/)[2] ?? '';
}

describe('init containers', () => {
  it('run in order, each to success, before the app container; kubectl shows Init:N/M', async () => {
    const trail = join(cluster.dataDir, 'init-order.txt');
    await apply('ordered', {
      initContainers: [
        { name: 'one', command: `echo one >> ${trail}; sleep 3` },
        { name: 'two', command: `echo two >> ${trail}` },
      ],
      containers: [{ name: 'main', command: `echo main >> ${trail}; exec sleep 300` }],
    });
    await waitFor('Init:0/2 while the first init container runs', async () => (await kubectlStatus('ordered')) === 'Init:0/2', 30_000, 150);
    const pending = await getPod('ordered');
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('False');
    await waitFor('Running', async () => (await kubectlStatus('ordered')) === 'Running', 60_000, 200);
    expect(readFileSync(trail, 'utf8')).toBe('one\ntwo\nmain\n');
    const pod = await getPod('ordered');
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    expect(pod.status?.initContainerStatuses?.map((s) => [s.name, s.state?.['terminated']?.reason])).toEqual([
      ['one', 'Completed'],
      ['two', 'Completed'],
    ]);
    await cluster.kubectl('delete', 'pod', 'ordered', '--timeout=60s');
  });

  it('a failing init container fails the pod under Never and is restarted with backoff under OnFailure and Always', async () => {
    const marker = (policy: string): string => join(cluster.dataDir, `app-ran-${policy}`);
    for (const policy of ['Never', 'OnFailure', 'Always']) {
      await apply(`fail-${policy.toLowerCase()}`, {
        restartPolicy: policy,
        initContainers: [{ name: 'setup', command: 'echo broken; exit 3' }],
        containers: [{ name: 'main', command: `touch ${marker(policy)}; exec sleep 300` }],
      });
    }
    await waitFor('the Never pod to fail', async () => (await getPod('fail-never')).status?.phase === 'Failed', 60_000, 250);
    expect(await kubectlStatus('fail-never')).toBe('Init:Error');
    const never = await getPod('fail-never');
    expect(never.status?.initContainerStatuses?.[0]?.state?.['terminated']?.exitCode).toBe(3);
    expect(never.status?.initContainerStatuses?.[0]?.restartCount).toBe(0);
    for (const policy of ['OnFailure', 'Always']) {
      const name = `fail-${policy.toLowerCase()}`;
      await waitFor(
        `${name} to restart its init container`,
        async () => ((await getPod(name)).status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1,
        60_000,
        250,
      );
      await waitFor(
        `${name} to show Init:CrashLoopBackOff`,
        async () => (await kubectlStatus(name)) === 'Init:CrashLoopBackOff',
        60_000,
        250,
      );
      expect((await getPod(name)).status?.phase).toBe('Pending');
    }
    for (const policy of ['Never', 'OnFailure', 'Always']) expect(existsSync(marker(policy))).toBe(false);
    await cluster.kubectl('delete', 'pod', 'fail-never', 'fail-onfailure', 'fail-always', '--timeout=60s');
  });
});

describe('sidecars', () => {
  it('start before the app, count in READY, keep running, and stop after the app', async () => {
    const trail = join(cluster.dataDir, 'sidecar.txt');
    const stopsWith = (name: string): string => `trap 'echo ${name} >> ${trail}; exit 0' TERM; while true; do sleep 0.2; done`;
    await apply('with-sidecar', {
      initContainers: [{ name: 'proxy', command: stopsWith('proxy'), restartPolicy: 'Always' }],
      containers: [{ name: 'main', command: stopsWith('main') }],
    });
    await waitFor('Running', async () => (await kubectlStatus('with-sidecar')) === 'Running', 60_000, 200).catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${await cluster.kubectl('get', 'pod', 'with-sidecar', '-o', 'yaml')}`);
    });
    expect((await cluster.kubectl('get', 'pod', 'with-sidecar', '--no-headers')).trim().split(/\s+/)[1]).toBe('2/2');
    const pod = await getPod('with-sidecar');
    expect(pod.status?.initContainerStatuses?.[0]?.state?.['running']).toBeDefined();
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    await cluster.kubectl('delete', 'pod', 'with-sidecar', '--timeout=60s');
    expect(readFileSync(trail, 'utf8')).toBe('main\nproxy\n');
  });
});

describe('preStop hooks', () => {
  it('run before SIGTERM on deletion', async () => {
    const trail = join(cluster.dataDir, 'prestop.txt');
    await apply('hooked', {
      terminationGracePeriodSeconds: 20,
      containers: [
        {
          name: 'main',
          command: `trap 'echo TERM >> ${trail}; exit 0' TERM; while true; do sleep 0.2; done`,
          lifecycle: { preStop: { exec: { command: ['sh', '-c', `echo preStop >> ${trail}; sleep 1`] } } },
        },
      ],
    });
    await waitFor('Running', async () => (await kubectlStatus('hooked')) === 'Running', 60_000, 200);
    await cluster.kubectl('delete', 'pod', 'hooked', '--timeout=60s');
    expect(readFileSync(trail, 'utf8')).toBe('preStop\nTERM\n');
  });

  it('postStart runs after the start; a failing one kills the container, which restarts', async () => {
    const marker = join(cluster.dataDir, 'post-start.txt');
    await apply('post-start', {
      containers: [
        {
          name: 'main',
          command: 'exec sleep 300',
          lifecycle: { postStart: { exec: { command: ['sh', '-c', `echo "$HOSTNAME" > ${marker}`] } } },
        },
      ],
    });
    await apply('post-start-fails', {
      containers: [{ name: 'main', command: 'exec sleep 300', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } }],
    });
    await waitFor('Running', async () => (await kubectlStatus('post-start')) === 'Running', 60_000, 200);
    expect(readFileSync(marker, 'utf8')).toBe('post-start\n');
    await waitFor(
      'a restart after the failed postStart',
      async () =>
        ((await getPod('post-start-fails')).status?.containerStatuses?.[0] as { restartCount?: number } | undefined)?.restartCount ?? 0,
      60_000,
      250,
    );
    const events = await cluster.kubectl(
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=post-start-fails',
      '-o',
      'jsonpath={.items[*].reason}',
    );
    expect(events).toContain('FailedPostStartHook');
    await cluster.kubectl('delete', 'pod', 'post-start', 'post-start-fails', '--timeout=60s');
  });

  it("count the hook's time against the grace period", async () => {
    const beats = join(cluster.dataDir, 'beats.txt');
    const hookStart = join(cluster.dataDir, 'hook-start.txt');
    // The container ignores SIGTERM: it ends with the SIGKILL at the end of the grace period, which is
    // 10 s after the hook starts (8 s of hook + 2 s left), not 8 + 10 s.
    await apply('slow-hook', {
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: 'main',
          command: `trap '' TERM; while true; do date +%s >> ${beats}; sleep 0.5; done`,
          lifecycle: { preStop: { exec: { command: ['sh', '-c', `date +%s > ${hookStart}; sleep 8`] } } },
        },
      ],
    });
    await waitFor('Running', async () => (await kubectlStatus('slow-hook')) === 'Running', 60_000, 200);
    await cluster.kubectl('delete', 'pod', 'slow-hook', '--timeout=90s');
    const started = Number(readFileSync(hookStart, 'utf8').trim());
    const last = Math.max(...readFileSync(beats, 'utf8').trim().split('\n').map(Number));
    expect(last - started).toBeGreaterThanOrEqual(8);
    expect(last - started).toBeLessThan(16);
  });
});

describe('orphans', () => {
  it('are adopted (by the pod’s pid-namespace init, or the kubelet as a child subreaper) and reaped, not left as zombies', async () => {
    // The subshell starts a sleep and exits: that sleep is orphaned inside the container.
    await apply('orphans', { containers: [{ name: 'main', command: '(sleep 300 &); exec sleep 301' }] });
    await waitFor('Running', async () => (await kubectlStatus('orphans')) === 'Running', 60_000, 200);
    const uid = (await getPod('orphans')).metadata.uid;
    const procsFile = join(cgroupRootDir(cluster.cgroupRoot), 'kubepods', 'besteffort', `pod${uid}`, 'main', 'cgroup.procs');
    const stat = (pid: string | number): { ppid: number; state: string } | undefined => {
      try {
        const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
        return { state: rest[0] ?? '', ppid: Number(rest[1]) };
      } catch {
        return undefined;
      }
    };
    const cmdline = (pid: string | number): string => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      } catch {
        return '';
      }
    };
    const found = await waitFor(
      'the orphan adopted',
      () => {
        const pids = readFileSync(procsFile, 'utf8').trim().split('\n');
        const orphan = pids.find((p) => cmdline(p) === 'sleep 300');
        const adopter = orphan === undefined ? undefined : stat(orphan)?.ppid;
        if (orphan === undefined || adopter === undefined) return undefined;
        // Its parent (the subshell) is gone: the adopter is the namespace's init (in the container's cgroup) or the kubelet.
        const adopted = pids.includes(String(adopter)) || cmdline(adopter).includes('kubelet');
        return adopted && cmdline(adopter) !== '' ? { orphan, adopter } : undefined;
      },
      20_000,
      100,
    );
    expect(stat(found.orphan)?.state).not.toBe('Z');
    await cluster.kubectl('delete', 'pod', 'orphans', '--timeout=60s');
    // Killed with the container, then reaped: no zombie is left.
    await waitFor('the orphan reaped', () => !existsSync(`/proc/${found.orphan}`), 20_000, 100);
  });
});

describe('the kubepods cgroup tree', () => {
  it('puts Guaranteed, Burstable and BestEffort pods in their levels, with the pod pids limit', async () => {
    const cpuMem = (cpu: string, memory: string) => ({ cpu, memory });
    await apply('qos-guaranteed', {
      containers: [{ name: 'main', command: 'exec sleep 300', resources: { limits: cpuMem('100m', '32Mi') } }],
    });
    await apply('qos-burstable', { containers: [{ name: 'main', command: 'exec sleep 300', resources: { requests: { cpu: '50m' } } }] });
    await apply('qos-besteffort', { containers: [{ name: 'main', command: 'exec sleep 300' }] });
    const root = cgroupRootDir(cluster.cgroupRoot);
    const expected: Record<string, string> = {
      'qos-guaranteed': 'kubepods',
      'qos-burstable': 'kubepods/burstable',
      'qos-besteffort': 'kubepods/besteffort',
    };
    for (const [name, parent] of Object.entries(expected)) {
      await waitFor(`${name} Running`, async () => (await kubectlStatus(name)) === 'Running', 60_000, 200);
      const uid = (await getPod(name)).metadata.uid;
      expect(existsSync(join(root, parent, `pod${uid}`, 'main'))).toBe(true);
      const pidsDir = existsSync('/sys/fs/cgroup/pids') ? join('/sys/fs/cgroup/pids', cluster.cgroupRoot) : root;
      // --pod-max-pids plus the runtime's helpers in the container's cgroup (shim; unshare and init when isolated).
      expect(readFileSync(join(pidsDir, parent, `pod${uid}`, 'pids.max'), 'utf8').trim()).toBe(
        String(POD_MAX_PIDS + helperProcessCount(detectNamespaces())),
      );
    }
    expect(podCgroups(cluster.cgroupRoot).length).toBe(3);

    // /metrics/resource carries upstream's series for these pods.
    const text = await (await fetch(`http://127.0.0.1:${cluster.ports.kubelet}/metrics/resource`)).text();
    expect(text).toMatch(/^container_cpu_usage_seconds_total\{container="main",namespace="default",pod="qos-burstable"\} [\d.e+-]+$/m);
    expect(text).toMatch(/^container_memory_working_set_bytes\{container="main",namespace="default",pod="qos-besteffort"\} \d+$/m);
    expect(text).toMatch(/^container_start_time_seconds\{container="main",namespace="default",pod="qos-guaranteed"\} [\d.e+]+$/m);
    expect(text).toMatch(/^pod_cpu_usage_seconds_total\{namespace="default",pod="qos-guaranteed"\} /m);
    expect(text).toMatch(/^pod_memory_working_set_bytes\{namespace="default",pod="qos-guaranteed"\} \d+$/m);
    expect(text).toMatch(/^node_cpu_usage_seconds_total [\d.e+]+$/m);
    expect(text).toMatch(/^node_memory_working_set_bytes \d+$/m);
    expect(text).toMatch(/^scrape_error 0$/m);
    const metrics = await (await fetch(`http://127.0.0.1:${cluster.ports.kubelet}/metrics`)).text();
    expect(metrics).toMatch(/^kubelet_pleg_relist_duration_seconds_count(\{[^}]*\})? [1-9]\d*$/m);

    await cluster.kubectl('delete', 'pod', ...Object.keys(expected), '--timeout=60s');
    expect(podCgroups(cluster.cgroupRoot)).toEqual([]);
  });
});
