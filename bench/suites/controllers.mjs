// The controllers at scale (issue 6): a Deployment scaled from 0 to 10,000
// replicas on 1,000 hollow nodes. Every part is its own process, as `skiff up`
// runs them: nats-server, `skiff apiserver`, `skiff scheduler`,
// `skiff controller-manager` (Deployment, ReplicaSet, DaemonSet, node
// lifecycle, … controllers) and `skiff kubelet --hollow 1000`.
//
// The clock starts at the scale patch (spec.replicas 0 → N) and reports when
// the ReplicaSet has created every pod (its status.replicas) and when the
// Deployment reports every replica Ready (status.readyReplicas), polled every
// 250 ms. CPU seconds of each process over that window come from
// /proc/<pid>/stat; the controller-manager's is the figure of interest.
//
// npm run bench -- controllers [--nodes=1000] [--replicas=10000] [--runs=1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOYMENTS, REPLICASETS } from '@skiff/api';
import { freePort, startNatsServer } from '@skiff/cli';
import { ApiClient } from '@skiff/client';
import { figure, machine, table } from '../report.mjs';
import { procCpuMs } from '../scheduler/cluster.mjs';
import { rssMiB, spawnSkiff, waitUntil } from './hollow.mjs';

const BENCH = 'controllers';
const TIMEOUT_MS = 20 * 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`# ${msg}\n`);

function parseOptions(argv) {
  const o = { nodes: 1000, replicas: 10_000, runs: 1 };
  for (const arg of argv) {
    const [k, v] = arg.replace(/^--/, '').split('=');
    if (!(k in o)) throw new Error(`unknown option ${arg}`);
    o[k] = Number(v);
  }
  return o;
}

function deployment(replicas) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'scale', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'scale' } },
      template: {
        metadata: { labels: { app: 'scale' } },
        spec: {
          containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '10Mi' } } }],
        },
      },
    },
  };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One run on a fresh cluster. */
async function runOnce(o) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-controllers-'));
  const procs = [];
  let nats;
  try {
    nats = await startNatsServer({ dataDir: join(dir, 'nats'), port: await freePort() });
    const apiPort = await freePort();
    const api = spawnSkiff(['apiserver', '--nats', nats.url, '--port', String(apiPort)], join(dir, 'apiserver.log'));
    procs.push(api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitUntil('the apiserver', async () => api.exited() === undefined && (await fetch(`${apiUrl}/readyz`)).ok, 60_000);
    const common = ['--nats', nats.url, '--apiserver', apiUrl];
    log(`starting ${o.nodes} hollow nodes`);
    const hollow = spawnSkiff(
      ['kubelet', '--hollow', String(o.nodes), ...common, '--port', String(await freePort())],
      join(dir, 'hollow.log'),
    );
    procs.push(hollow);
    await waitUntil(
      'the fleet to register',
      async () => {
        if (hollow.exited() !== undefined) throw new Error(`the hollow kubelet exited: ${hollow.log().slice(-2000)}`);
        return hollow.log().includes('"hollow fleet started"');
      },
      300_000,
      250,
    );
    const scheduler = spawnSkiff(
      ['scheduler', ...common, '--port', String(await freePort()), '--no-leader-elect'],
      join(dir, 'scheduler.log'),
    );
    procs.push(scheduler);
    const cmPort = await freePort();
    const cm = spawnSkiff(
      ['controller-manager', ...common, '--port', String(cmPort), '--no-leader-elect'],
      join(dir, 'controller-manager.log'),
    );
    procs.push(cm);
    await waitUntil('the controller-manager', async () => cm.log().includes('controller-manager started'), 120_000, 100);

    const client = new ApiClient({ server: apiUrl, userAgent: 'skiff-bench-controllers' });
    await client.create(DEPLOYMENTS, 'default', deployment(0));
    await waitUntil(
      'the empty ReplicaSet',
      async () => (await client.list(REPLICASETS, { namespace: 'default' })).items.length === 1,
      30_000,
    );
    await sleep(2000);

    const pids = {
      'controller-manager': cm.pid,
      scheduler: scheduler.pid,
      apiserver: api.pid,
      hollow: hollow.pid,
      'nats-server': nats.process.pid,
    };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procCpuMs(pid)]));
    const t0 = performance.now();
    await client.patch(DEPLOYMENTS, 'default', 'scale', { spec: { replicas: o.replicas } }, 'merge');
    let createdS;
    let peakCmRss = 0;
    for (;;) {
      const [d, rs] = await Promise.all([client.get(DEPLOYMENTS, 'default', 'scale'), client.list(REPLICASETS, { namespace: 'default' })]);
      const elapsed = (performance.now() - t0) / 1000;
      peakCmRss = Math.max(peakCmRss, rssMiB(cm.pid));
      if (createdS === undefined && (rs.items[0]?.status?.replicas ?? 0) >= o.replicas) createdS = elapsed;
      if ((d.status?.readyReplicas ?? 0) >= o.replicas) break;
      for (const p of procs) if (p.exited() !== undefined) throw new Error(`a component exited: ${p.log().slice(-2000)}`);
      if (elapsed * 1000 > TIMEOUT_MS)
        throw new Error(`only ${d.status?.readyReplicas ?? 0} of ${o.replicas} ready after ${TIMEOUT_MS / 1000} s`);
      await sleep(250);
    }
    const readyS = (performance.now() - t0) / 1000;
    const cpuS = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (procCpuMs(pid) - cpu0[k]) / 1000]));
    return { readyS, createdS: createdS ?? readyS, cpuS, peakCmRss };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv) {
  const o = parseOptions(argv);
  process.stdout.write(`${BENCH} on ${machine()}\n`);
  process.stdout.write(`Deployment scaled 0 → ${o.replicas} on ${o.nodes} hollow nodes; ${o.runs} run(s)\n`);
  const runs = [];
  for (let r = 0; r < o.runs; r++) {
    const result = await runOnce(o);
    runs.push(result);
    log(
      `run ${r + 1}: all ready in ${result.readyS.toFixed(1)} s, controller-manager ${result.cpuS['controller-manager'].toFixed(1)} CPU s`,
    );
  }
  const pick = (f) => median(runs.map(f));
  const rows = [
    { figure: 'all pods created (ReplicaSet status.replicas)', value: pick((x) => x.createdS).toFixed(1), unit: 's' },
    { figure: 'all pods Ready (Deployment status.readyReplicas)', value: pick((x) => x.readyS).toFixed(1), unit: 's' },
    { figure: 'pods Ready per second', value: pick((x) => o.replicas / x.readyS).toFixed(0), unit: 'pods/s' },
    ...Object.keys(runs[0].cpuS).map((k) => ({ figure: `${k} CPU`, value: pick((x) => x.cpuS[k]).toFixed(1), unit: 's' })),
    {
      figure: 'controller-manager CPU per pod',
      value: pick((x) => (x.cpuS['controller-manager'] * 1000) / o.replicas).toFixed(2),
      unit: 'ms',
    },
    { figure: 'controller-manager peak RSS', value: pick((x) => x.peakCmRss).toFixed(0), unit: 'MiB' },
  ];
  table(rows);
  const name = `ScaleDeployment_${o.nodes}Nodes_${o.replicas}Replicas`;
  figure(
    BENCH,
    `${name}_readySeconds`,
    pick((x) => x.readyS),
    's',
  );
  figure(
    BENCH,
    `${name}_createdSeconds`,
    pick((x) => x.createdS),
    's',
  );
  figure(
    BENCH,
    `${name}_controllerManagerCpuSeconds`,
    pick((x) => x.cpuS['controller-manager']),
    's',
  );
  figure(
    BENCH,
    `${name}_schedulerCpuSeconds`,
    pick((x) => x.cpuS.scheduler),
    's',
  );
  figure(
    BENCH,
    `${name}_apiserverCpuSeconds`,
    pick((x) => x.cpuS.apiserver),
    's',
  );
}
