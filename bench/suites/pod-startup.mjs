// Pod startup on a real one-node cluster: `skiff up` (nats-server, apiserver, scheduler,
// controller-manager and the kubelet, each its own process) with the process runtime. After a warm-up,
// N pods (one `sleep` container each) are created at R pods/s; create→Running and create→Ready come from
// the lifecycle milestones on each pod (`created` by the apiserver, `started` and `ready` by the kubelet,
// millisecond timestamps). Then the node is filled to 110 pods and the kubelet's RSS read from
// /proc/<pid>/status (VmRSS). Needs root (cgroups). Everything is removed at the end (`skiff up` stops the
// pods and sweeps its cgroup root on SIGINT).
//   npm run bench -- pod-startup [pods=100] [rate=20]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIFECYCLE_PHASES, NODES, PODS, phaseDurations, podMilestones } from '@skiff/api';
import { freePort } from '@skiff/cli';
import { clientForTarget, readKubeconfig } from '../../packages/cli/dist/commands/target.js';
import { figure, machine, table } from '../report.mjs';

const SKIFF_BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'skiff.js');
const LABEL = 'bench=pod-startup';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The pid of `skiff up`'s child running `skiff kubelet`. */
function kubeletPid(upPid) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== upPid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('kubelet')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** utime + stime of a process in ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

function podObject(name) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: 'pod-startup' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
  };
}

async function startSkiff(dir) {
  const ports = {};
  for (const p of ['nats', 'api', 'kubelet', 'scheduler', 'controller-manager']) ports[p] = String(await freePort());
  const cgroupRoot = `skiff-bench-${process.pid}`;
  const up = spawn(
    process.execPath,
    [
      SKIFF_BIN,
      'up',
      '--data-dir',
      dir,
      '--nats-port',
      ports.nats,
      '--api-port',
      ports.api,
      '--kubelet-port',
      ports.kubelet,
      '--scheduler-port',
      ports.scheduler,
      '--controller-manager-port',
      ports['controller-manager'],
      '--node-name',
      'bench-node',
      '--cgroup-root',
      cgroupRoot,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' } },
  );
  let out = '';
  up.stdout.on('data', (c) => (out += c));
  up.stderr.on('data', (c) => (out += c));
  const exited = new Promise((r) => up.once('exit', r));
  const stop = async () => {
    if (up.exitCode === null && up.signalCode === null) {
      up.kill('SIGINT');
      const timer = setTimeout(() => up.kill('SIGKILL'), 90_000);
      await exited;
      clearTimeout(timer);
    }
    const left = ['memory', 'cpu', 'pids', ''].map((h) => join('/sys/fs/cgroup', h, cgroupRoot)).filter((d) => existsSync(d));
    if (left.length > 0) process.stderr.write(`pod-startup: cgroups left behind: ${left.join(' ')}\n`);
  };
  const deadline = Date.now() + 90_000;
  while (!out.includes('cluster is up')) {
    if (up.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`skiff up did not come up:\n${out}`);
    }
    await sleep(100);
  }
  return { up, stop, kubeconfig: join(dir, 'kubeconfig') };
}

/** Creates `names` at `rate` pods/s (requests in flight overlap, as a controller's would). */
async function createPaced(client, names, rate) {
  const t0 = performance.now();
  const inFlight = [];
  for (let i = 0; i < names.length; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(client.create(PODS, 'default', podObject(names[i])));
  }
  await Promise.all(inFlight);
}

/** Waits until every named pod carries the `ready` milestone; returns the pods. */
async function waitReady(client, names, timeoutMs) {
  const want = new Set(names);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = (await client.list(PODS, { namespace: 'default', labelSelector: LABEL })).items.filter((p) => want.has(p.metadata.name));
    const ready = pods.filter((p) => podMilestones(p).ready !== undefined);
    if (ready.length === want.size) return ready;
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${want.size} pods ready after ${timeoutMs} ms`);
    await sleep(250);
  }
}

export async function run(args) {
  const [count = 100, rate = 20] = args.map(Number);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(`pod-startup on ${machine()}; ${count} pods at ${rate} pods/s; load average before: ${load}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-pod-startup-'));
  let cluster;
  try {
    cluster = await startSkiff(dir);
    const client = clientForTarget(readKubeconfig(cluster.kubeconfig), 'skiff-bench-pod-startup');
    const nodeDeadline = Date.now() + 60_000;
    for (;;) {
      const node = await client.getOrUndefined(NODES, '', 'bench-node');
      if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
      if (Date.now() > nodeDeadline) throw new Error('node not Ready in 60 s');
      await sleep(200);
    }
    const pid = kubeletPid(cluster.up.pid);
    if (pid === undefined) throw new Error('cannot find the kubelet process');
    const rssIdle = rssMiB(pid);

    // Warm-up: a few pods through the whole path, then gone.
    const warm = Array.from({ length: 5 }, (_, i) => `warm-${i}`);
    await createPaced(client, warm, rate);
    await waitReady(client, warm, 60_000);
    for (const name of warm) await client.delete(PODS, 'default', name);
    const goneDeadline = Date.now() + 60_000;
    while ((await client.list(PODS, { namespace: 'default', labelSelector: LABEL })).items.length > 0) {
      if (Date.now() > goneDeadline) throw new Error('warm-up pods not gone in 60 s');
      await sleep(250);
    }

    const names = Array.from({ length: count }, (_, i) => `pod-${String(i).padStart(3, '0')}`);
    const loadDuring = [];
    const loadTimer = setInterval(() => loadDuring.push(os.loadavg()[0]), 1000);
    const cpuBefore = cpuMs(pid);
    await createPaced(client, names, rate);
    const pods = await waitReady(client, names, 180_000);
    const kubeletCpuPerPod = (cpuMs(pid) - cpuBefore) / count;
    clearInterval(loadTimer);
    const running = [];
    const ready = [];
    const phases = new Map(LIFECYCLE_PHASES.map((p) => [p.phase, []]));
    for (const p of pods) {
      const m = podMilestones(p);
      running.push(m.started - m.created);
      ready.push(m.ready - m.created);
      for (const d of phaseDurations(p)) phases.get(d.phase)?.push(d.ms);
    }

    // Fill the node to 110 pods, let it settle, read the kubelet's RSS.
    const more = Array.from({ length: Math.max(0, 110 - count) }, (_, i) => `fill-${String(i).padStart(3, '0')}`);
    await createPaced(client, more, rate);
    await waitReady(client, more, 180_000);
    await sleep(10_000);
    const rss110 = rssMiB(pid);

    const rows = [
      {
        metric: 'create→Running (ms)',
        p50: percentile(running, 50).toFixed(0),
        p99: percentile(running, 99).toFixed(0),
        max: Math.max(...running).toFixed(0),
      },
      {
        metric: 'create→Ready (ms)',
        p50: percentile(ready, 50).toFixed(0),
        p99: percentile(ready, 99).toFixed(0),
        max: Math.max(...ready).toFixed(0),
      },
    ];
    for (const [phase, values] of phases) {
      if (values.length === 0) continue;
      rows.push({
        metric: `  ${phase} (ms)`,
        p50: percentile(values, 50).toFixed(0),
        p99: percentile(values, 99).toFixed(0),
        max: Math.max(...values).toFixed(0),
      });
    }
    table(rows);
    process.stdout.write(`kubelet RSS: ${rssIdle.toFixed(1)} MiB idle, ${rss110.toFixed(1)} MiB with 110 pods\n`);
    process.stdout.write(`kubelet CPU while starting the ${count} pods: ${kubeletCpuPerPod.toFixed(1)} ms per pod\n`);
    process.stdout.write(`load average (1 min) during the run: ${loadDuring.map((l) => l.toFixed(2)).join(' ')}\n`);
    figure('pod-startup', 'pod_start_p50_ms', percentile(running, 50), 'ms');
    figure('pod-startup', 'pod_start_p99_ms', percentile(running, 99), 'ms');
    figure('pod-startup', 'pod_ready_p50_ms', percentile(ready, 50), 'ms');
    figure('pod-startup', 'pod_ready_p99_ms', percentile(ready, 99), 'ms');
    figure('pod-startup', 'kubelet_cpu_ms_per_pod_start', kubeletCpuPerPod, 'ms');
    figure('pod-startup', 'kubelet_rss_mib_idle', rssIdle, 'MiB');
    figure('pod-startup', 'kubelet_rss_mib_110_pods', rss110, 'MiB');
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
