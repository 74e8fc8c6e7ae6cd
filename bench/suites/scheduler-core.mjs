// The scheduler's native core against its TypeScript twin: median µs per pod
// for filter + score over every node at 1,000 / 5,000 / 15,000 nodes, one
// schedule() call per pod, and scheduleBatch() of the run's 500 pods in one
// call (each placement accounted for the next). The native scan loop runs the
// AVX2 build when the CPU has it; SKIFF_SCHEDULER_CORE_ISA=baseline forces the
// x86-64 baseline (SSE2) build. Then pods with tolerations and node affinity on a tainted,
// labelled cluster (TaintToleration and NodeAffinity filter + score in the core, a scalar
// pass in the native core).
// Then the framework variants (scheduler-framework.mjs).
import { measureCores, NativeSchedulerCore } from '@skiff/scheduler';
import { figure, machine, table } from '../report.mjs';
import { run as runFramework } from './scheduler-framework.mjs';

const NODE_COUNTS = [1000, 5000, 15000];

export async function run() {
  process.stdout.write(`scheduler-core on ${machine()}; native scan loop: ${new NativeSchedulerCore().kernel}\n`);
  const results = await measureCores(NODE_COUNTS, 500, { batch: true });
  const find = (nodes, impl, call) => results.find((r) => r.nodes === nodes && r.impl === impl && r.call === call)?.microsPerPod;
  const rows = [];
  for (const nodes of NODE_COUNTS) {
    const native = find(nodes, 'native', 'schedule');
    const ts = find(nodes, 'ts', 'schedule');
    const nativeBatch = find(nodes, 'native', 'scheduleBatch');
    const tsBatch = find(nodes, 'ts', 'scheduleBatch');
    if (native === undefined || ts === undefined || nativeBatch === undefined || tsBatch === undefined) continue;
    rows.push({
      nodes,
      'native µs/pod': native.toFixed(1),
      'ts µs/pod': ts.toFixed(1),
      'ts/native': (ts / native).toFixed(1),
      'native batch µs/pod': nativeBatch.toFixed(1),
      'ts batch µs/pod': tsBatch.toFixed(1),
      'batch ts/native': (tsBatch / nativeBatch).toFixed(1),
    });
    figure('scheduler-core', `FilterScore_${nodes}Nodes_native`, native, 'us/pod');
    figure('scheduler-core', `FilterScore_${nodes}Nodes_ts`, ts, 'us/pod');
    figure('scheduler-core', `FilterScore_${nodes}Nodes_speedup`, ts / native, 'x');
    figure('scheduler-core', `ScheduleBatch_${nodes}Nodes_native`, nativeBatch, 'us/pod');
    figure('scheduler-core', `ScheduleBatch_${nodes}Nodes_ts`, tsBatch, 'us/pod');
    figure('scheduler-core', `ScheduleBatch_${nodes}Nodes_speedup`, tsBatch / nativeBatch, 'x');
  }
  table(rows);
  process.stdout.write(
    '\npods with tolerations + node affinity (20% of nodes dedicated NoSchedule, 30% spot PreferNoSchedule; required zone In 2 of 3, preferred pool; weights 3 and 2):\n',
  );
  const tainted = await measureCores(NODE_COUNTS, 500, { constraints: true });
  const taintRows = [];
  for (const nodes of NODE_COUNTS) {
    const at = (impl) => tainted.find((r) => r.nodes === nodes && r.impl === impl)?.microsPerPod;
    const native = at('native');
    const ts = at('ts');
    if (native === undefined || ts === undefined) continue;
    taintRows.push({ nodes, 'native µs/pod': native.toFixed(1), 'ts µs/pod': ts.toFixed(1), 'ts/native': (ts / native).toFixed(1) });
    figure('scheduler-core', `Constraints_${nodes}Nodes_native`, native, 'us/pod');
    figure('scheduler-core', `Constraints_${nodes}Nodes_ts`, ts, 'us/pod');
    figure('scheduler-core', `Constraints_${nodes}Nodes_speedup`, ts / native, 'x');
  }
  table(taintRows);
  process.stdout.write('\nscheduling framework, default profile, whole cycle per pod:\n');
  await runFramework();
}
