// The scheduler's native core against its TypeScript twin: median µs per
// schedule() (filter + score over every node) at 1,000 / 5,000 / 15,000 nodes.
import { measureCores } from '@skiff/scheduler';
import { figure, machine, table } from '../report.mjs';

export async function run() {
  process.stdout.write(`scheduler-core on ${machine()}\n`);
  const results = await measureCores([1000, 5000, 15000], 500);
  const rows = [];
  for (const nodes of [1000, 5000, 15000]) {
    const native = results.find((r) => r.nodes === nodes && r.impl === 'native');
    const ts = results.find((r) => r.nodes === nodes && r.impl === 'ts');
    if (native === undefined || ts === undefined) continue;
    rows.push({
      nodes,
      'native µs/pod': native.microsPerPod.toFixed(1),
      'ts µs/pod': ts.microsPerPod.toFixed(1),
      'ts/native': (ts.microsPerPod / native.microsPerPod).toFixed(1),
    });
    figure('scheduler-core', `FilterScore_${nodes}Nodes_native`, native.microsPerPod, 'us/pod');
    figure('scheduler-core', `FilterScore_${nodes}Nodes_ts`, ts.microsPerPod, 'us/pod');
    figure('scheduler-core', `FilterScore_${nodes}Nodes_speedup`, ts.microsPerPod / native.microsPerPod, 'x');
  }
  table(rows);
}
