// The kubelet's probe and stats poller: native (one C++ epoll thread) against the TypeScript twin, side by
// side in one run. Each measurement runs in its own process (bench/kubelet/poller-worker.mjs) so that its
// CPU (all threads, plus the exec probes' reaped children) is read from /proc/self/stat alone; the probes'
// HTTP target runs in another process. Needs root (cgroups).
// Three measurements per side: the probes alone, the statistics alone, and the issue's whole scenario (both
// in one poller, in one process, as a kubelet runs them; the `scenario_*` figures). Each worker measures
// only after a 12 s warm-up, so the window holds the steady state and not the start-up transient (V8's
// memory reducer runs three full GCs 8–10 s after a process starts).
//   npm run bench -- kubelet [seconds=15] [exec=100] [tcp=500] [http=500] [cgroups=1000] [grpc=0]
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CgroupManager, detectCgroupLayout } from '@skiff/kubelet';
import { figure, machine, table } from '../report.mjs';

const execFileAsync = promisify(execFile);
const here = join(import.meta.dirname, '..', 'kubelet');

export async function run(args) {
  const [seconds = 15, exec = 100, tcp = 500, http = 500, cgroupCount = 1000, grpc = 0] = args.map(Number);
  process.stdout.write(`kubelet poller on ${machine()}; ${seconds} s per measurement\n`);
  const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: `skiff-bench-${process.pid}` });
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-bench-kubelet-'));
  const target = spawn(process.execPath, [join(here, 'target-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ports = await new Promise((resolve) => target.stdout.once('data', (d) => resolve(String(d).trim())));
    const made = [];
    for (let i = 0; i < Math.max(exec, cgroupCount); i++) {
      const cg = cgroups.createContainerCgroup(`bench${i}`, 'c');
      made.push({ procsFiles: cg.procsFiles, statsPaths: cg.statsPaths });
    }
    const measure = async (impl, scenario, list, extra = '{}') => {
      const file = join(scratch, 'cgroups.json');
      writeFileSync(file, JSON.stringify(list));
      const { stdout } = await runWorker([impl, scenario, ports, String(seconds), file, extra]);
      return JSON.parse(stdout.trim().split('\n').pop());
    };
    const rows = [];
    const probesMix = JSON.stringify({ exec, tcp, http, grpc });
    const results = {};
    for (const scenario of ['probes', 'stats']) {
      for (const impl of ['native', 'ts']) {
        const list = scenario === 'probes' ? made.slice(0, exec) : made.slice(0, cgroupCount);
        const r = await measure(impl, scenario, list, probesMix);
        results[`${scenario}_${impl}`] = r;
        const label =
          scenario === 'probes'
            ? `${exec} exec + ${tcp} tcp + ${http} http${grpc > 0 ? ` + ${grpc} grpc` : ''} /s`
            : `${cgroupCount} cgroups /s`;
        rows.push(tableRow(label, impl, r, r.cpuSeconds / r.wallSeconds, scenario === 'probes' ? r.probeResults : r.statsRows));
        if (r.failures > 0) process.stdout.write(`${impl} ${scenario} failures: ${JSON.stringify(r.failureKinds)}\n`);
        figure('kubelet', `poller_${scenario}_cpu_percent_${impl}`, (r.cpuSeconds / r.wallSeconds) * 100, '% of one core');
      }
      // Per result, so that a twin that falls behind (fewer runs in the time) is not counted as cheaper.
      const perResult = (r) => r.cpuSeconds / Math.max(1, scenario === 'probes' ? r.probeResults : r.statsRows);
      const ratio = perResult(results[`${scenario}_ts`]) / perResult(results[`${scenario}_native`]);
      figure('kubelet', scenario === 'probes' ? 'poller_cpu_ratio_ts_over_native' : 'stats_cpu_ratio_ts_over_native', ratio, 'x');
    }
    figure(
      'kubelet',
      'poller_cpu_percent_native',
      (results.probes_native.cpuSeconds / results.probes_native.wallSeconds) * 100,
      '% of one core',
    );
    // The issue's whole scenario: the probes and a statistics round a second in one poller, one process per
    // side, as a kubelet runs them. Its CPU is scaled to the nominal rates by the share of the nominal
    // results it delivered, so a side that falls behind is not counted as cheaper.
    const probesPerSecond = exec + tcp + http + grpc;
    const nominalPerSecond = probesPerSecond + cgroupCount;
    const scenarioCpu = {};
    for (const impl of ['native', 'ts']) {
      const list = made.slice(0, Math.max(exec, cgroupCount));
      const r = await measure(impl, 'all', list, JSON.stringify({ exec, tcp, http, grpc, cgroups: cgroupCount }));
      const delivered = (r.probeResults + r.statsRows) / r.wallSeconds;
      scenarioCpu[impl] = (r.cpuSeconds / r.wallSeconds) * (nominalPerSecond / Math.max(1, delivered));
      rows.push(
        tableRow(`the whole scenario: probes + ${cgroupCount} cgroups /s`, impl, r, scenarioCpu[impl], r.probeResults + r.statsRows),
      );
      if (r.failures > 0) process.stdout.write(`${impl} all failures: ${JSON.stringify(r.failureKinds)}\n`);
      process.stdout.write(`${impl} whole scenario, CPU seconds by thread: ${JSON.stringify(r.threads)}\n`);
    }
    figure('kubelet', 'scenario_cpu_percent_native', scenarioCpu.native * 100, '% of one core');
    figure('kubelet', 'scenario_cpu_percent_ts', scenarioCpu.ts * 100, '% of one core');
    figure('kubelet', 'scenario_cpu_ratio_ts_over_native', scenarioCpu.ts / scenarioCpu.native, 'x');
    table(rows);
  } finally {
    target.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
    await cgroups.removeRoot({ kill: true });
  }
}

/** One line of the table: `cpu` is the share of a core to show, `results` what the worker delivered. */
function tableRow(scenario, impl, r, cpu, results) {
  return {
    scenario,
    impl,
    'cpu s/min': (cpu * 60).toFixed(2),
    '% of a core': (cpu * 100).toFixed(1),
    'results/s': (results / r.wallSeconds).toFixed(0),
    'cpu µs/result': ((r.cpuSeconds * 1e6) / Math.max(1, results)).toFixed(0),
    failures: r.failures,
  };
}

function runWorker(args) {
  return execFileAsync(process.execPath, [join(here, 'poller-worker.mjs'), ...args], { maxBuffer: 1 << 20 });
}
