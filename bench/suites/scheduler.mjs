// SchedulingBasic end to end, in the spirit of upstream scheduler_perf: a real
// nats-server and the apiserver (in this process), 5,000 Node objects (no
// kubelets) and 1,000 pods bound on create, then 10,000 unscheduled pods
// created through the API by several clients; only then the scheduler starts
// (its own NATS connection and ApiClient). The clock runs from the first bind
// to the last bind persisted in the store: the NATS server's own timestamps of
// the binding writes, read back from the store's stream after the run, so
// nothing observes the pods while they are scheduled. Every node is filtered
// and scored for every pod (no percentageOfNodesToScore). Runs with the native
// core and with the TypeScript twin, each on a fresh cluster.
//
// npm run bench -- scheduler [--nodes=5000] [--pods=10000] [--initial=1000]
//   [--cores=native,ts] [--runs=1] [--profile[=heap]] [--apiserver=process] [--writes=http]
//   [--variants=basic,node-affinity,taints,anti-affinity,topology-spread | all]
// --variants picks the workloads (default basic,anti-affinity,topology-spread,
// about 3 minutes; `all` adds node-affinity and taints, about 5): basic is
// SchedulingBasic (its counts set by --nodes/--pods/--initial, run with every
// core in --cores); the others (bench/scheduler/variants.mjs) use upstream's
// counts and the native core.
// --profile writes a V8 CPU profile of the scheduling window per run (--profile=heap
// also a sampling heap profile of every allocation, and the top allocators) and
// prints where the time went. The apiserver runs as `skiff apiserver` in a
// child process (its own event loop, as `skiff up` runs it; --apiserver=process,
// the default since 2026-12-07); --apiserver=in-process runs it inside this
// process instead, sharing the scheduler's event loop (figures then get the
// suffix _apiserverInProcess; before 2026-12-07 that was the default and the
// child process had the suffix _apiserverProcess);
// SKIFF_BENCH_APISERVER_NODE_FLAGS passes Node flags to that child (e.g.
// `--cpu-prof --cpu-prof-dir=DIR` for a CPU profile of the apiserver).
// --writes=http sends the scheduler's bindings and Events over HTTP instead
// of NATS requests (the default, as `skiff scheduler` does), for comparison.
// --workload=PreemptionAsync runs bench/scheduler/preemption-async.mjs instead.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, machine, table } from '../report.mjs';
import { apiClients, createObjects, nodeObject, podObject, procCpuMs, startCluster } from '../scheduler/cluster.mjs';
import { measuredScheduler } from '../scheduler/measured-scheduler.mjs';
import { startProfile, summarize, summarizeHeap } from '../scheduler/profile.mjs';
import { namespaceObject, VARIANTS } from '../scheduler/variants.mjs';

const ALLOCATABLE = { cpu: '4', memory: '32Gi', pods: '110' };
const REQUESTS = { cpu: '100m', memory: '100Mi' };
const CLIENTS = 8;
const IN_FLIGHT = 64;
const TIMEOUT_MS = 180_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function option(args, name, fallback) {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return fallback;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : 'true';
}

/** SchedulingBasic: plain nodes and pods (100m / 100Mi). */
function basicWorkload(nodes, initial, pods) {
  return {
    name: 'SchedulingBasic',
    upstream: { threshold: 680, workload: 'misc/SchedulingBasic 5000Nodes_10000Pods' },
    nodes,
    initial,
    pods,
    namespaces: [],
    node: (i) => nodeObject(`node-${i}`, ALLOCATABLE),
    initialPod: (i, nodeName) => podObject('default', `initial-${i}`, REQUESTS, nodeName),
    pod: (i) => podObject('default', `pod-${i}`, REQUESTS),
  };
}

/** One run of a workload on a fresh cluster with the given core. */
async function runOnce(core, workload, { profile, apiserver, writes }) {
  const { nodes, initial, pods } = workload;
  const cluster = await startCluster({ apiserver });
  try {
    const clients = apiClients(cluster.apiUrl, CLIENTS);
    const loadStart = performance.now();
    await createObjects(clients, workload.namespaces.length, (i) => namespaceObject(workload.namespaces[i]), IN_FLIGHT);
    await createObjects(clients, nodes, (i) => workload.node(i), IN_FLIGHT);
    const initialNode = workload.initialNode ?? ((i) => `node-${i % nodes}`);
    await createObjects(clients, initial, (i) => workload.initialPod(i, initialNode(i, nodes)), IN_FLIGHT);
    await createObjects(clients, pods, (i) => workload.pod(i), IN_FLIGHT);
    const loadMs = performance.now() - loadStart;
    await cluster.waitPublished();
    const startRevision = await cluster.storeRevision();

    const measured = await measuredScheduler(cluster, { core, writes });
    const { scheduler } = measured;
    let window;
    let summary;
    try {
      const startAt = performance.now();
      await scheduler.start(); // lists nodes and pods, then the loop starts
      const syncMs = performance.now() - startAt;
      const profiler = profile === 'false' ? undefined : await startProfile(200, profile === 'heap');
      const cpu0 = process.cpuUsage();
      const nats0 = procCpuMs(cluster.natsPid);
      const api0 = cluster.apiPid === undefined ? 0 : procCpuMs(cluster.apiPid);
      const elu0 = performance.eventLoopUtilization();
      const t0 = performance.now();
      let done;
      for (;;) {
        done = await measured.attempts();
        if (done.scheduled >= pods) break;
        if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`only ${done.scheduled} of ${pods} pods bound after ${TIMEOUT_MS} ms`);
        await sleep(20);
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      window = {
        syncMs,
        ms,
        nodeCpu: (cpu.user + cpu.system) / 1000 / ms,
        natsCpu: (procCpuMs(cluster.natsPid) - nats0) / ms,
        apiCpu: cluster.apiPid === undefined ? undefined : (procCpuMs(cluster.apiPid) - api0) / ms,
        elu: performance.eventLoopUtilization(elu0).utilization,
        failed: done.failed,
      };
      if (profiler !== undefined) {
        const path = join(tmpdir(), `skiff-scheduler-${core}-${Date.now()}.cpuprofile`);
        const profiled = await profiler.stop(path);
        summary = { path, ...summarize(profiled), heap: profiled.heap === undefined ? undefined : summarizeHeap(profiled.heap) };
      }
    } finally {
      await measured.stop();
    }
    const binds = await cluster.bindsAfter(startRevision);
    if (binds.count !== pods) throw new Error(`expected ${pods} binds in the store, found ${binds.count}`);
    const seconds = (binds.lastMs - binds.firstMs) / 1000;
    return { core, podsPerSecond: binds.count / seconds, seconds, loadMs, maxPerNode: binds.maxPerNode, ...window, summary };
  } finally {
    await cluster.stop();
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function printSummary(run) {
  const s = run.summary;
  process.stdout.write(`\nprofile (${run.core}): ${s.path}\n  ${s.totalMs.toFixed(0)} ms sampled on the main thread\n`);
  table(s.areas.slice(0, 12).map((a) => ({ 'self time by area': a.area, ms: a.ms.toFixed(0), share: `${(a.share * 100).toFixed(1)}%` })));
  table(
    s.functions.map((f) => ({
      'nearest first-party frame (inclusive of callees)': f.fn,
      ms: f.ms.toFixed(0),
      share: `${(f.share * 100).toFixed(1)}%`,
    })),
  );
  if (s.heap === undefined) return;
  process.stdout.write(`\n  ${s.heap.totalMb.toFixed(0)} MB allocated in the window (sampled)\n`);
  table(s.heap.functions.map((f) => ({ 'allocating function': f.fn, MB: f.mb.toFixed(1), share: `${(f.share * 100).toFixed(1)}%` })));
}

/** The pods/s rows and figures of one workload, per core. */
function report(workload, results, cores, apiserver, writes) {
  const { nodes, pods } = workload;
  const rows = [];
  for (const core of cores) {
    const all = results.get(core);
    const pick = (f) => median(all.map(f));
    rows.push({
      workload: workload.name,
      core,
      'pods/s': pick((x) => x.podsPerSecond).toFixed(0),
      'upstream CI threshold': workload.upstream.threshold ?? '-',
      'first→last bind s': pick((x) => x.seconds).toFixed(2),
      'scheduler sync s': pick((x) => x.syncMs / 1000).toFixed(2),
      'node CPU (cores)': pick((x) => x.nodeCpu).toFixed(2),
      'node CPU ms/pod': pick((x) => (x.nodeCpu * x.ms) / pods).toFixed(2),
      ...(apiserver === 'process' ? { 'apiserver CPU (cores)': pick((x) => x.apiCpu).toFixed(2) } : {}),
      ...(apiserver === 'process' ? { 'apiserver CPU ms/pod': pick((x) => (x.apiCpu * x.ms) / pods).toFixed(2) } : {}),
      'nats-server CPU (cores)': pick((x) => x.natsCpu).toFixed(2),
      'event loop util': pick((x) => x.elu).toFixed(2),
      'failed attempts': pick((x) => x.failed),
      'max pods/node': pick((x) => x.maxPerNode),
      'load s': pick((x) => x.loadMs / 1000).toFixed(1),
    });
    const metric = `${workload.name}_${nodes}Nodes_${pods}Pods${core === 'native' ? '' : `_${core}`}${apiserver === 'process' ? '' : '_apiserverInProcess'}${writes === 'http' ? '_httpWrites' : ''}`;
    figure(
      'scheduler',
      metric,
      pick((x) => x.podsPerSecond),
      'pods/s',
    );
  }
  return rows;
}

export async function run(args) {
  // --workload=PreemptionAsync: upstream's preemption workload (bench/scheduler/preemption-async.mjs).
  if (option(args, 'workload', 'SchedulingBasic') === 'PreemptionAsync')
    return (await import('../scheduler/preemption-async.mjs')).run(args);
  const nodes = Number(option(args, 'nodes', '5000'));
  const pods = Number(option(args, 'pods', '10000'));
  const initial = Number(option(args, 'initial', '1000'));
  const runs = Number(option(args, 'runs', '1'));
  const cores = option(args, 'cores', 'native,ts').split(',');
  const profile = option(args, 'profile', 'false');
  const apiserver = option(args, 'apiserver', 'process');
  if (apiserver !== 'process' && apiserver !== 'in-process') throw new Error(`--apiserver must be process or in-process, not ${apiserver}`);
  const writes = option(args, 'writes', 'nats');
  const picked = option(args, 'variants', 'basic,anti-affinity,topology-spread');
  const names = picked === 'all' ? ['basic', ...Object.keys(VARIANTS)] : picked.split(',');
  for (const name of names) {
    if (name !== 'basic' && VARIANTS[name] === undefined)
      throw new Error(`unknown variant ${name}; known: basic, ${Object.keys(VARIANTS).join(', ')}`);
  }
  process.stdout.write(`scheduler on ${machine()}\n`);
  const rows = [];
  for (const name of names) {
    const workload = name === 'basic' ? basicWorkload(nodes, initial, pods) : VARIANTS[name];
    const workloadCores = name === 'basic' ? cores : ['native'];
    process.stdout.write(
      `${workload.name}: ${workload.nodes} nodes, ${workload.initial} initial pods, ${workload.pods} measured pods; apiserver ${apiserver}; ${runs} run(s) per core\n`,
    );
    const results = new Map(workloadCores.map((c) => [c, []]));
    for (let r = 0; r < runs; r++) {
      for (const core of workloadCores) {
        const result = await runOnce(core, workload, { profile, apiserver, writes });
        results.get(core).push(result);
        process.stderr.write(`  ${workload.name} run ${r + 1} ${core}: ${result.podsPerSecond.toFixed(0)} pods/s\n`);
        if (result.summary !== undefined) printSummary(result);
      }
    }
    rows.push(...report(workload, results, workloadCores, apiserver, writes));
  }
  table(rows);
}
