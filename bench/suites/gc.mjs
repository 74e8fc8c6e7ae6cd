// The garbage collector under load: one owner with N dependents deleted with
// each propagation policy; time from the DELETE until the collector is done
// (background: every dependent gone; foreground: the owner gone after them;
// orphan: the owner gone after every dependent lost its reference), and the
// CPU it took (this process runs the collector; the apiserver is a child).
//
// A real nats-server and the real apiserver (`skiff apiserver`) run here. The
// dependents (ConfigMaps) are written straight into the store, so loading
// them costs nothing measured; the collector sees them through its informers.
//
// Options: --dependents=5000, --rounds=3, --workers=20 (attempt-to-delete workers).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { CONFIGMAPS } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { GarbageCollector } from '@skiff/controller-manager';
import { silentLogger } from '@skiff/telemetry';
import { figure, machine, table } from '../report.mjs';
import { loadObjects, procCpuMs, startApiserver, startNats } from '../api/cluster.mjs';
import { median } from '../api/http.mjs';

const BENCH = 'gc';
const POLICIES = ['Background', 'Foreground', 'Orphan'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`# ${msg}\n`);

function parseOptions(argv) {
  const o = { dependents: 5000, rounds: 3, workers: 20 };
  for (const arg of argv) {
    const [k, v] = arg.replace(/^--/, '').split('=');
    if (k in o) o[k] = Number(v);
  }
  return o;
}

async function until(what, predicate, timeoutMs = 300_000) {
  const t0 = performance.now();
  while (!predicate()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function dependent(owner, i) {
  const name = `${owner.metadata.name}-dep-${i}`;
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid, blockOwnerDeletion: true };
  const object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: randomUUID(), creationTimestamp: '2026-11-28T00:00:00Z', ownerReferences: [ref] },
    data: { i: String(i) },
  };
  return [CONFIGMAPS, 'default', name, object];
}

export async function run(argv) {
  const o = parseOptions(argv);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-gc-'));
  const nats = await startNats(join(dir, 'nats'));
  const api = await startApiserver({ natsUrl: nats.url, logFile: join(dir, 'apiserver.log') });
  const nc = await connect({ servers: nats.url, name: 'skiff-bench-gc' });
  const client = new ApiClient({ server: api.url, userAgent: 'skiff-bench-gc' });
  const gc = new GarbageCollector({ client, nc, logger: silentLogger(), workers: o.workers });
  const results = Object.fromEntries(POLICIES.map((p) => [p, { ms: [], cpu: [], apiCpu: [] }]));
  try {
    await gc.start();
    for (let round = 0; round < o.rounds; round++) {
      for (const policy of POLICIES) {
        const name = `owner-${policy.toLowerCase()}-${round}`;
        const owner = await client.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
        const uid = owner.metadata.uid;
        await loadObjects(nats.store, o.dependents, (i) => dependent(owner, i));
        await until('the collector to see every dependent', () => gc.graph.dependentsOf(uid).length === o.dependents);
        const cpu0 = process.cpuUsage();
        const api0 = procCpuMs(api.pid);
        const t0 = performance.now();
        await client.delete(CONFIGMAPS, 'default', name, { propagationPolicy: policy });
        await until(`${policy} deletion to finish`, () => gc.graph.dependentsOf(uid).length === 0 && gc.graph.get(uid) === undefined);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        results[policy].ms.push(ms);
        results[policy].cpu.push((cpu.user + cpu.system) / 1000);
        results[policy].apiCpu.push(procCpuMs(api.pid) - api0);
        log(`round ${round + 1} ${policy}: ${Math.round(ms)} ms`);
      }
    }
  } finally {
    await gc.stop();
    await nc.drain().catch(() => undefined);
    await api.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = POLICIES.map((policy) => {
    const r = results[policy];
    const ms = median(r.ms);
    const perSecond = o.dependents / (ms / 1000);
    const cpuPerThousand = (median(r.cpu) / o.dependents) * 1000;
    const apiCpuPerThousand = (median(r.apiCpu) / o.dependents) * 1000;
    figure(BENCH, `${policy.toLowerCase()}_dependents_per_s`, perSecond, 'objects/s');
    figure(BENCH, `${policy.toLowerCase()}_collector_cpu_per_1000`, cpuPerThousand, 'ms');
    figure(BENCH, `${policy.toLowerCase()}_apiserver_cpu_per_1000`, apiCpuPerThousand, 'ms');
    return {
      policy,
      dependents: o.dependents,
      'median ms': Math.round(ms),
      'objects/s': Math.round(perSecond),
      'collector CPU ms / 1000': Math.round(cpuPerThousand),
      'apiserver CPU ms / 1000': Math.round(apiCpuPerThousand),
    };
  });
  process.stdout.write(`\n${machine()}; ${o.rounds} rounds, medians, ${o.workers} workers\n\n`);
  table(rows);
}
