// One measured poller in its own process: argv = impl scenario ports seconds <cgroups JSON file> <probe mix JSON>
// (ports: "<http port> <grpc port>").
// Prints {"cpuSeconds":…, "wallSeconds":…, "probeResults":…, "failures":…, "statsRows":…} once done.
// CPU is read from /proc/self/stat: utime + stime of the process (every thread) plus cutime + cstime of its
// reaped children (the exec probes' processes).
import { readFileSync } from 'node:fs';
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

let probeResults = 0;
let failures = 0;
let statsRows = 0;
const failureKinds = new Map();
const poller = createProbePoller(impl, {
  statsIntervalMs: scenario === 'stats' ? 1000 : 0,
  ...(process.env.SKIFF_POLLER_TICK_MS === undefined ? {} : { tickMs: Number(process.env.SKIFF_POLLER_TICK_MS) }),
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
if (scenario === 'probes') {
  const { exec, tcp, http, grpc } = JSON.parse(process.argv[7]);
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
} else {
  for (const [n, cg] of cgroups.entries()) poller.watchCgroup(`cg-${n}`, cg.statsPaths);
}
await new Promise((r) => setTimeout(r, 2000)); // warm-up: every probe has run once
probeResults = failures = statsRows = 0;
failureKinds.clear();
const cpu0 = cpuSeconds();
const wall0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = cpuSeconds() - cpu0;
const wall = (performance.now() - wall0) / 1000;
await poller.close();
process.stdout.write(
  `${JSON.stringify({ cpuSeconds: cpu, wallSeconds: wall, probeResults, failures, statsRows, failureKinds: Object.fromEntries(failureKinds) })}\n`,
);
process.exit(0);
