// Hollow kubelets at scale (issue 5): 5,000 simulated nodes in ONE process
// (`skiff kubelet --hollow 5000`) against a real nats-server and the real
// apiserver (a child process, so each has a core to compete for).
//
// Reports: registration time for every node; the hollow process's RSS
// (VmRSS) and CPU (% of one core) over 60 s of heartbeating; the maximal age
// of the newest heartbeat across nodes (sampled from the process each second,
// and checked from the API at the end: Lease renewTime or the Node's Ready
// lastHeartbeatTime); then the cost of the shared pods informer: 10,000 pods
// bound to the fleet (2 per node) until all are Running, and RSS/CPU with them.
//
// Options: --nodes=5000, --seconds=60 (heartbeat window), --pods=10000 (0 skips
// the pod phase), --heartbeat=auto|lease|node-status, --interval=10 (s, the
// kubelet's; only the expectation: the fleet uses its default).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNatsServer } from '@skiff/cli';
import { figure, machine, table } from '../report.mjs';

const BENCH = 'hollow';
const SKIFF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'skiff.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`# ${msg}\n`);

function parseOptions(argv) {
  const o = { nodes: 5000, seconds: 60, pods: 10_000, heartbeat: 'auto', interval: 10 };
  for (const arg of argv) {
    const [k, v] = arg.replace(/^--/, '').split('=');
    if (k === 'heartbeat') o.heartbeat = v;
    else if (k in o) o[k] = Number(v);
    else throw new Error(`unknown option ${arg}`);
  }
  return o;
}

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, 100 ticks/s). */
function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** VmRSS of a process in MiB. */
export function rssMiB(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN) / 1024;
}

/** A child `node skiff.js ...` with its output in `logFile`; `lines` holds its output lines for scanning. */
export function spawnSkiff(args, logFile) {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [SKIFF_BIN, ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, SKIFF_LOG_LEVEL: 'info' },
  });
  closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exit;
  void exited.then((e) => (exit = e));
  return {
    pid: child.pid,
    exited: () => exit,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitUntil(what, fn, timeoutMs, everyMs = 100) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

/** One sample value of a metric from a Prometheus text page (first series matching the name). */
function metric(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([-+\\d.eE]+|NaN)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}

/** A histogram's cumulative buckets (le → count, summed over its series), to diff two scrapes. */
function histogram(text, name) {
  const buckets = new Map();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)$`, 'gm'))) {
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/** Observations between two scrapes: how many, how many above `le`, and the bucket bound of quantile q. */
function between(before, after, le, q) {
  const bounds = [...after.keys()].sort((x, y) => x - y);
  const d = (b) => (after.get(b) ?? 0) - (before.get(b) ?? 0);
  const count = d(Infinity);
  const quantile = bounds.find((b) => d(b) >= q * count) ?? NaN;
  return { count, over: count - d(le), quantile };
}

/** Samples the fleet's max heartbeat age each second until stop(), which resolves with the largest seen. */
function sampleAges(metricsUrl) {
  let max = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(1000);
      const text = await (await fetch(metricsUrl)).text().catch(() => '');
      max = Math.max(max, metric(text, 'skiff_hollow_heartbeat_age_max_seconds') || 0);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return max;
    },
  };
}

/** Samples the hollow process once a second for `seconds`: RSS, heartbeat age; CPU over the window for both processes. */
async function observe(hollow, apiPid, metricsUrl, seconds) {
  const cpu0 = { hollow: procCpuMs(hollow.pid), api: procCpuMs(apiPid) };
  const t0 = performance.now();
  let maxAge = 0;
  const rss = [];
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    const text = await (await fetch(metricsUrl)).text();
    maxAge = Math.max(maxAge, metric(text, 'skiff_hollow_heartbeat_age_max_seconds'));
    rss.push(rssMiB(hollow.pid));
  }
  const wallMs = performance.now() - t0;
  return {
    maxAgeS: maxAge,
    rssMiB: rss[rss.length - 1],
    rssMaxMiB: Math.max(...rss),
    hollowCpuPct: ((procCpuMs(hollow.pid) - cpu0.hollow) / wallMs) * 100,
    apiCpuPct: ((procCpuMs(apiPid) - cpu0.api) / wallMs) * 100,
  };
}

/** The max age across hollow nodes of their newest heartbeat as the API holds it (s; 1 s resolution for node status). */
async function apiHeartbeatAge(apiUrl, method, prefix) {
  const now = Date.now();
  let max = 0;
  if (method === 'lease') {
    const list = await getJson(`${apiUrl}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`);
    for (const l of list.items) if (l.metadata.name.startsWith(prefix)) max = Math.max(max, now - Date.parse(l.spec.renewTime));
  } else {
    const list = await getJson(`${apiUrl}/api/v1/nodes?labelSelector=type%3Dhollow`);
    for (const n of list.items) {
      const ready = n.status.conditions.find((c) => c.type === 'Ready');
      max = Math.max(max, now - Date.parse(ready.lastHeartbeatTime));
    }
  }
  return max / 1000;
}

/** Creates `count` pods bound to the fleet's nodes (round robin), `inFlight` at a time. */
async function createPods(apiUrl, count, nodes, prefix, inFlight = 32) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const body = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `hollow-bench-${i}`, namespace: 'default', labels: { app: 'hollow-bench' } },
        spec: {
          nodeName: `${prefix}${i % nodes}`,
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        },
      };
      const res = await fetch(`${apiUrl}/api/v1/namespaces/default/pods`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`creating pod ${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

export async function run(argv) {
  const o = parseOptions(argv);
  const prefix = 'hollow-node-';
  process.stdout.write(`hollow on ${machine()}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-hollow-'));
  const procs = [];
  let nats;
  try {
    nats = await startNatsServer({ dataDir: join(dir, 'nats') });
    const apiPort = await freePort();
    const api = spawnSkiff(['apiserver', '--nats', nats.url, '--port', String(apiPort)], join(dir, 'apiserver.log'));
    procs.push(api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitUntil('the apiserver', async () => api.exited() === undefined && (await fetch(`${apiUrl}/readyz`)).ok, 60_000);

    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    log(`starting ${o.nodes} hollow nodes (heartbeat ${o.heartbeat})`);
    const t0 = performance.now();
    const hollow = spawnSkiff(
      [
        'kubelet',
        '--hollow',
        String(o.nodes),
        '--hollow-prefix',
        prefix,
        '--hollow-heartbeat',
        o.heartbeat,
        '--nats',
        nats.url,
        '--apiserver',
        apiUrl,
        '--port',
        String(metricsPort),
      ],
      join(dir, 'hollow.log'),
    );
    procs.push(hollow);
    const started = await waitUntil(
      'the fleet to register',
      async () => {
        if (hollow.exited() !== undefined) throw new Error(`the hollow kubelet exited: ${hollow.log().slice(-2000)}`);
        const line = hollow
          .log()
          .split('\n')
          .find((l) => l.includes('"hollow fleet started"'));
        return line === undefined ? undefined : JSON.parse(line);
      },
      300_000,
      250,
    ).catch((err) => {
      throw new Error(`${err.message}\n${hollow.log().slice(-2000)}`);
    });
    const startupS = (performance.now() - t0) / 1000;
    const registrationS = started.registrationMs / 1000;
    const method = started.heartbeat;
    log(`registered ${started.registered}/${o.nodes} in ${registrationS.toFixed(1)} s (${method}); heartbeating for ${o.seconds} s`);

    // Let the first round of heartbeats (one interval) pass before measuring the steady state.
    await sleep(o.interval * 1000);
    const scrape = async () => {
      const text = await (await fetch(metricsUrl)).text();
      return {
        gaps: histogram(text, 'skiff_hollow_heartbeat_interval_seconds'),
        latency: histogram(text, 'skiff_hollow_heartbeat_duration_seconds'),
        failures: metric(text, 'skiff_hollow_heartbeat_failures_total') || 0,
      };
    };
    const s0 = await scrape();
    const idle = await observe(hollow, api.pid, metricsUrl, o.seconds);
    const idleApiAge = await apiHeartbeatAge(apiUrl, method, prefix);
    const s1 = await scrape();
    const gaps = between(s0.gaps, s1.gaps, 12, 0.99);
    const startupGaps = between(new Map(), s0.gaps, 12, 0.99).over;
    const failures = s1.failures - s0.failures;
    const p = between(s0.latency, s1.latency, Infinity, 0.99).quantile;

    let withPods;
    if (o.pods > 0) {
      log(`creating ${o.pods} pods bound to the fleet`);
      const p0 = performance.now();
      const ages = sampleAges(metricsUrl);
      await createPods(apiUrl, o.pods, o.nodes, prefix);
      const createdS = (performance.now() - p0) / 1000;
      await waitUntil(
        `${o.pods} pods running`,
        async () => metric(await (await fetch(metricsUrl)).text(), 'kubelet_running_pods') >= o.pods,
        300_000,
        250,
      );
      const runningS = (performance.now() - p0) / 1000;
      log(`${o.pods} pods created in ${createdS.toFixed(1)} s, all Running after ${runningS.toFixed(1)} s; observing 30 s`);
      const burstAgeS = await ages.stop();
      const observed = await observe(hollow, api.pid, metricsUrl, 30);
      const s2 = await scrape();
      withPods = { createdS, runningS, ...observed, burstAgeS, gaps: between(s1.gaps, s2.gaps, 12, 0.99) };
    }

    const within = idle.maxAgeS <= o.interval + 1 && gaps.over === 0 && idleApiAge <= o.interval + 1;
    const rows = [
      { figure: 'nodes', value: String(o.nodes), note: `heartbeat: ${method}` },
      {
        figure: 'registration, all nodes',
        value: `${registrationS.toFixed(1)} s`,
        note: `${(o.nodes / registrationS).toFixed(0)} nodes/s; process start to ready ${startupS.toFixed(1)} s`,
      },
      {
        figure: 'RSS, heartbeating',
        value: `${idle.rssMiB.toFixed(0)} MiB`,
        note: `max ${idle.rssMaxMiB.toFixed(0)} MiB; goal ≤ 2048 MiB`,
      },
      { figure: `CPU over ${o.seconds} s, hollow`, value: `${idle.hollowCpuPct.toFixed(1)} %`, note: 'of one core' },
      {
        figure: `CPU over ${o.seconds} s, apiserver`,
        value: `${idle.apiCpuPct.toFixed(1)} %`,
        note: `${(o.nodes / o.interval).toFixed(0)} heartbeats/s`,
      },
      {
        figure: 'max heartbeat age (process)',
        value: `${idle.maxAgeS.toFixed(2)} s`,
        note: `interval ${o.interval} s; sampled each second`,
      },
      {
        figure: 'max heartbeat age (API)',
        value: `${idleApiAge.toFixed(2)} s`,
        note: method === 'lease' ? 'Lease renewTime' : 'Ready lastHeartbeatTime (1 s resolution)',
      },
      {
        figure: `heartbeat gaps > 12 s over ${o.seconds} s`,
        value: `${gaps.over} of ${gaps.count}`,
        note: `failures ${failures}; p99 latency ≤ ${(p * 1000).toFixed(0)} ms (bucket)`,
      },
      {
        figure: 'every heartbeat within interval',
        value: within ? 'yes' : 'NO',
        note: `steady state; start-up had ${startupGaps} gaps > 12 s`,
      },
    ];
    if (withPods !== undefined) {
      rows.push(
        { figure: `${o.pods} pods: created`, value: `${withPods.createdS.toFixed(1)} s`, note: '32 clients, nodeName preset' },
        { figure: `${o.pods} pods: all Running`, value: `${withPods.runningS.toFixed(1)} s`, note: 'from the first create' },
        { figure: 'RSS with pods', value: `${withPods.rssMiB.toFixed(0)} MiB`, note: `max ${withPods.rssMaxMiB.toFixed(0)} MiB` },
        { figure: 'CPU with pods (30 s), hollow', value: `${withPods.hollowCpuPct.toFixed(1)} %`, note: 'of one core' },
        {
          figure: 'max heartbeat age, pod burst',
          value: `${withPods.burstAgeS.toFixed(2)} s`,
          note: `first create to all Running; gaps > 12 s from then to the end: ${withPods.gaps.over} of ${withPods.gaps.count}`,
        },
        { figure: 'max heartbeat age, 30 s after', value: `${withPods.maxAgeS.toFixed(2)} s`, note: '' },
      );
    }
    table(rows);
    const n = o.nodes;
    figure(BENCH, `hollow_${n}_registration_seconds`, registrationS, 's');
    figure(BENCH, `hollow_${n}_rss_mib`, idle.rssMiB, 'MiB');
    figure(BENCH, `hollow_${n}_cpu_percent`, idle.hollowCpuPct, '%');
    figure(BENCH, `hollow_${n}_apiserver_cpu_percent`, idle.apiCpuPct, '%');
    figure(BENCH, `hollow_${n}_heartbeat_max_age_seconds`, idle.maxAgeS, 's');
    figure(BENCH, `hollow_${n}_heartbeat_api_max_age_seconds`, idleApiAge, 's');
    figure(BENCH, `hollow_${n}_heartbeat_p99_seconds`, p, 's');
    figure(BENCH, `hollow_${n}_heartbeats_within_interval`, within ? 1 : 0, 'bool');
    figure(BENCH, `hollow_${n}_heartbeat_gaps_over_12s`, gaps.over, 'count');
    if (withPods !== undefined) {
      figure(BENCH, `hollow_${n}_pods_${o.pods}_running_seconds`, withPods.runningS, 's');
      figure(BENCH, `hollow_${n}_pods_${o.pods}_rss_mib`, withPods.rssMiB, 'MiB');
      figure(BENCH, `hollow_${n}_pods_${o.pods}_cpu_percent`, withPods.hollowCpuPct, '%');
      figure(BENCH, `hollow_${n}_pods_${o.pods}_burst_heartbeat_max_age_seconds`, withPods.burstAgeS, 's');
      figure(BENCH, `hollow_${n}_pods_${o.pods}_heartbeat_max_age_seconds`, withPods.maxAgeS, 's');
      figure(BENCH, `hollow_${n}_pods_${o.pods}_heartbeat_gaps_over_12s`, withPods.gaps.over, 'count');
    }
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await nats?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
