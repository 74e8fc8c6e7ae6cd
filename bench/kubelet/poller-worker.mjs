// One measured poller in its own process: argv = impl scenario ports seconds <cgroups JSON file> <probe mix JSON>
// (ports: "<http port> <grpc port>"). Scenarios: probes (the mix), stats (a round over every cgroup of the
// file each second), all (both in one poller, as a kubelet runs them; the mix's `cgroups` says how many).
// Prints {"cpuSeconds":…, "wallSeconds":…, "probeResults":…, "failures":…, "statsRows":…} once done.
// CPU is read from /proc/self/stat: utime + stime of the process (every thread) plus cutime + cstime of its
// reaped children (the exec probes' processes).
import { readdirSync, readFileSync } from 'node:fs';
import { createProbePoller } from '@skiff/kubelet';

const [impl, scenario, portText, secondsText, cgroupsFile] = process.argv.slice(2);
const [port, grpcPort] = portText.split(' ').map(Number);
const seconds = Number(secondsText);
const cgroups = JSON.parse(readFileSync(cgroupsFile, 'utf8'));
const TICK = 100; // clock ticks per second on Linux

function cpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
}

/**
 * CPU seconds per thread, from /proc/self/task: `main` (JavaScript), `skiff-poller` (the native poller's
 * thread), and the rest by name (`node`: V8's and libuv's workers). Shows where the process's time goes.
 */
function cpuByThread() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / TICK;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

let probeResults = 0;
let failures = 0;
let statsRows = 0;
const failureKinds = new Map();
const poller = createProbePoller(impl, {
  statsIntervalMs: scenario === 'probes' ? 0 : 1000,
  ...(process.env.SKIFF_POLLER_TICK_MS === undefined ? {} : { tickMs: Number(process.env.SKIFF_POLLER_TICK_MS) }),
  ...(process.env.SKIFF_POLLER_BATCH_MS === undefined ? {} : { batchWindowMs: Number(process.env.SKIFF_POLLER_BATCH_MS) }),
  onResults: (b) => {
    probeResults += b.probes.length;
    for (const r of b.probes) {
      if (r.result === 'success') continue;
      failures++;
      const kind = `${r.id.split('-')[0]}: ${r.output.replace(/\d+/g, 'N').slice(0, 90)}`;
      failureKinds.set(kind, (failureKinds.get(kind) ?? 0) + 1);
    }
    statsRows += b.stats.length;
  },
});
const period = 1000;
const mix = JSON.parse(process.argv[7] ?? '{}');
if (scenario === 'probes' || scenario === 'all') {
  const { exec, tcp, http, grpc } = mix;
  const total = exec + tcp + http + grpc;
  let i = 0;
  const timing = () => ({ initialDelayMs: (i++ * period) / total, periodMs: period, timeoutMs: 1000 });
  for (let n = 0; n < exec; n++) {
    poller.set(`exec-${n}`, {
      ...timing(),
      kind: 'exec',
      argv: ['true'],
      env: { PATH: '/usr/bin:/bin' },
      cgroupProcs: cgroups[n].procsFiles,
    });
  }
  for (let n = 0; n < tcp; n++) poller.set(`tcp-${n}`, { ...timing(), kind: 'tcp', host: '127.0.0.1', port });
  for (let n = 0; n < http; n++)
    poller.set(`http-${n}`, { ...timing(), kind: 'http', host: '127.0.0.1', port, path: '/healthz', headers: [] });
  for (let n = 0; n < grpc; n++) poller.set(`grpc-${n}`, { ...timing(), kind: 'grpc', host: '127.0.0.1', port: grpcPort, service: '' });
}
if (scenario === 'stats' || scenario === 'all') {
  const watched = scenario === 'all' ? cgroups.slice(0, mix.cgroups) : cgroups;
  for (const [n, cg] of watched.entries()) poller.watchCgroup(`cg-${n}`, cg.statsPaths);
}
// Warm-up: every probe has run once, and V8's start-up memory reducer (three full mark-compacts 8–10 s
// after the process starts, seen with --trace-gc) is over, so the window measures the steady state.
await new Promise((r) => setTimeout(r, Number(process.env.SKIFF_BENCH_WARMUP_MS ?? 12_000)));
probeResults = failures = statsRows = 0;
failureKinds.clear();
const cpu0 = cpuSeconds();
const threads0 = cpuByThread();
const wall0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = cpuSeconds() - cpu0;
const threads = Object.fromEntries(
  Object.entries(cpuByThread())
    .map(([name, t]) => [name, Math.round((t - (threads0[name] ?? 0)) * 100) / 100])
    .filter(([, t]) => t > 0),
);
const wall = (performance.now() - wall0) / 1000;
await poller.close();
process.stdout.write(
  `${JSON.stringify({ cpuSeconds: cpu, wallSeconds: wall, probeResults, failures, statsRows, failureKinds: Object.fromEntries(failureKinds), threads })}\n`,
);
process.exit(0);
