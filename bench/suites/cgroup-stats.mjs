// The kubelet's cgroup statistics reader: native C++ against the TypeScript
// twin, µs per cgroup read (3 files, kept open), on real cgroups (needs root).
import { measureStatsReaders } from '@skiff/kubelet';
import { figure, machine, table } from '../report.mjs';

export async function run() {
  process.stdout.write(`cgroup-stats on ${machine()}\n`);
  const rows = [];
  for (const count of [200, 1000]) {
    const r = measureStatsReaders(count, 100);
    const native = r.find((x) => x.impl === 'native');
    const ts = r.find((x) => x.impl === 'ts');
    if (native === undefined || ts === undefined) continue;
    rows.push({
      cgroups: count,
      'native µs/read': native.microsPerCgroupRead.toFixed(1),
      'ts µs/read': ts.microsPerCgroupRead.toFixed(1),
      'ts/native': (ts.microsPerCgroupRead / native.microsPerCgroupRead).toFixed(2),
    });
    figure('cgroup-stats', `Read_${count}Cgroups_native`, native.microsPerCgroupRead, 'us/cgroup');
    figure('cgroup-stats', `Read_${count}Cgroups_ts`, ts.microsPerCgroupRead, 'us/cgroup');
  }
  table(rows);
}
