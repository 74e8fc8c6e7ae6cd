// Container start with and without isolation (mount, PID, UTS and IPC namespaces and an assembled root):
// median ms from startContainer() to the container's pid, interleaved so both see the same load.
// `npm run bench -- isolation [starts]` (default 15 each; needs root).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CgroupManager, detectCgroupLayout, ProcessRuntime } from '@skiff/kubelet';
import { figure, machine, table } from '../report.mjs';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(args) {
  const starts = Number(args[0] ?? 15);
  process.stdout.write(
    `isolation on ${machine()}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), 'skiff-bench-iso-'));
  const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: `skiff-bench-${process.pid}` });
  const vol = join(dir, 'vol');
  mkdirSync(vol);
  const kinds = {
    none: { runtime: new ProcessRuntime({ rootDir: join(dir, 'none'), cgroups, isolation: 'none' }), mounts: [] },
    namespaces: { runtime: new ProcessRuntime({ rootDir: join(dir, 'ns'), cgroups, isolation: 'auto' }), mounts: [] },
    'namespaces + volume at a new path': {
      runtime: new ProcessRuntime({ rootDir: join(dir, 'nsv'), cgroups, isolation: 'auto' }),
      mounts: [
        { hostPath: vol, containerPath: '/etc/bench-config', readOnly: true },
        { hostPath: vol, containerPath: '/bench-data', readOnly: false },
      ],
    },
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  try {
    for (let i = 0; i < starts; i++) {
      for (const [kind, { runtime, mounts }] of Object.entries(kinds)) {
        const podUid = `bench-${kind.replace(/[^a-z]/g, '')}-${i}`;
        const t0 = performance.now();
        const id = await runtime.startContainer({
          podUid,
          podNamespace: 'default',
          podName: 'b',
          containerName: 'c',
          argv: ['sleep', '30'],
          env: {},
          limits: {},
          mounts,
        });
        times[kind].push(performance.now() - t0);
        await runtime.stopContainer(id, 0);
        await runtime.removePod(podUid);
      }
    }
  } finally {
    for (const { runtime } of Object.values(kinds)) await runtime.close();
    await cgroups.removeRoot();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(times.none);
  table(
    Object.entries(times).map(([kind, t]) => ({ kind, 'median start ms': median(t).toFixed(1), 'vs none': (median(t) / base).toFixed(2) })),
  );
  for (const [kind, t] of Object.entries(times)) figure('isolation', `StartContainer_${kind.replace(/[^a-z]+/g, '_')}`, median(t), 'ms');
}
