// The cluster of the scheduler bench: a real nats-server (child process), the
// apiserver in this process, objects created through the HTTP API by several
// ApiClients, and bind times read back from the store's own stream afterwards.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, NODES, OBJECTS_BUCKET, OBJECTS_STREAM, PODS, REVISION_HEADER } from '@skiff/api';
import { startApiServer } from '@skiff/apiserver';
import { freePort, startNatsServer } from '@skiff/cli';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';

const SKIFF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'skiff.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const decoder = new TextDecoder();

/**
 * `skiff apiserver` as a child process (as `skiff up` runs it), for comparison
 * with the in-process apiserver; resolves once /readyz answers 200.
 */
async function spawnApiServer(natsUrl, dir) {
  const port = await freePort();
  const log = openSync(join(dir, 'apiserver.log'), 'a');
  // Node flags for the child from SKIFF_BENCH_APISERVER_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
  const extra = (process.env.SKIFF_BENCH_APISERVER_NODE_FLAGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extra, SKIFF_BIN, 'apiserver', '--nats', natsUrl, '--port', String(port)], {
    stdio: ['ignore', log, log],
    env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' },
  });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apiserver exited with ${child.exitCode}; see ${join(dir, 'apiserver.log')}`);
    const ok = await fetch(`${url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return { url, pid: child.pid, stop };
    if (performance.now() > deadline) {
      await stop();
      throw new Error('apiserver not ready in 60 s');
    }
    await sleep(50);
  }
}

/**
 * nats-server + apiserver (in this process, or with `apiserver: 'process'` as
 * a `skiff apiserver` child) on a fresh data directory, and a NATS connection
 * for the bench itself.
 */
export async function startCluster({ apiserver = 'in-process' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-scheduler-'));
  let nats;
  let api;
  let nc;
  try {
    nats = await startNatsServer({ dataDir: dir, port: await freePort() });
    api =
      apiserver === 'process'
        ? await spawnApiServer(nats.url, dir)
        : await startApiServer({ natsUrl: nats.url, port: 0, logger: silentLogger() });
    nc = await connect({ servers: nats.url, name: 'skiff-bench-scheduler' });
  } catch (err) {
    await api?.stop().catch(() => undefined);
    await nats?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    natsUrl: nats.url,
    natsPid: nats.process.pid,
    apiUrl: api.url,
    /** The apiserver's process id when it runs as a child, else undefined. */
    apiPid: api.pid,
    /** The store's newest revision. */
    async storeRevision() {
      return (await jsm.streams.info(OBJECTS_STREAM)).state.last_seq;
    },
    /** Waits until the events stream holds every store revision (the event publisher caught up). */
    async waitPublished(timeoutMs = 120_000) {
      const deadline = performance.now() + timeoutMs;
      const target = await this.storeRevision();
      for (;;) {
        const info = await jsm.streams.info(EVENTS_STREAM);
        const last = info.state.messages === 0 ? undefined : await jsm.streams.getMessage(EVENTS_STREAM, { seq: info.state.last_seq });
        if (Number(last?.header?.get(REVISION_HEADER) ?? 0) >= target) return;
        if (performance.now() > deadline) throw new Error(`event publisher did not reach revision ${target} in ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    /**
     * Every pod write stored after `afterRevision` that binds the pod (sets
     * spec.nodeName), with the time the NATS server stored it: returns the
     * count, the first and last of those times (ms), and the most pods bound
     * to one node (a spreading check).
     */
    async bindsAfter(afterRevision) {
      const consumer = await js.consumers.get(OBJECTS_STREAM, {
        filter_subjects: `$KV.${OBJECTS_BUCKET}.core.pods.>`,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: afterRevision + 1,
      });
      let count = 0;
      let first = Infinity;
      let last = -Infinity;
      const perNode = new Map();
      for (let done = false; !done;) {
        let fetched = 0;
        for await (const m of await consumer.fetch({ max_messages: 2000, expires: 1000 })) {
          fetched++;
          const node = JSON.parse(decoder.decode(m.data))?.spec?.nodeName;
          if (typeof node === 'string' && node !== '') {
            const ms = m.info.timestampNanos / 1e6;
            count++;
            first = Math.min(first, ms);
            last = Math.max(last, ms);
            perNode.set(node, (perNode.get(node) ?? 0) + 1);
          }
          if (m.info.pending === 0) done = true;
        }
        if (fetched === 0) done = true;
      }
      await consumer.delete().catch(() => undefined);
      return { count, firstMs: first, lastMs: last, maxPerNode: Math.max(0, ...perNode.values()) };
    },
    async stop() {
      await nc.drain().catch(() => undefined);
      await api.stop().catch(() => undefined);
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `count` ApiClients (each its own User-Agent; they share Node's HTTP connection pool). */
export function apiClients(url, count) {
  return Array.from({ length: count }, (_, i) => new ApiClient({ server: url, userAgent: `skiff-bench-${i}` }));
}

/**
 * Creates objects 0..count-1 through the API, `inFlight` requests at a time
 * spread over `clients`; `make(i)` returns [desc, namespace, object].
 */
export async function createObjects(clients, count, make, inFlight = 64) {
  let next = 0;
  const worker = async (client) => {
    while (next < count) {
      const [desc, ns, object] = make(next++);
      await client.create(desc, ns, object);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, w) => worker(clients[w % clients.length])));
}

/** A Ready node with the given allocatable resources (status is settable on create: kubelets register that way). */
export function nodeObject(name, { cpu, memory, pods }) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const resources = { cpu, memory, pods };
  return [
    NODES,
    '',
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    },
  ];
}

/** A one-container pod requesting `cpu`/`memory`; bound to `nodeName` when given. */
export function podObject(namespace, name, { cpu, memory }, nodeName) {
  return [
    PODS,
    namespace,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: {
        ...(nodeName === undefined ? {} : { nodeName }),
        containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory } } }],
      },
    },
  ];
}

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, 100 ticks/s). */
export function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
