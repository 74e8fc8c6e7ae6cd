// The processes of the api bench: a real nats-server, the apiserver as a child
// process (`skiff apiserver`, so it has a core of its own to compete for and
// the load generator's CPU is not charged to it), and direct store access for
// loading objects fast.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EVENTS_STREAM, OBJECTS_STREAM, REVISION_HEADER, EVENT_TYPE_HEADER, objectKey } from '@skiff/api';
import { ensureEventsStream } from '@skiff/apiserver';
import { freePort, startNatsServer } from '@skiff/cli';
import { openJetStreamStore } from '@skiff/store';
import { get } from './http.mjs';

const SKIFF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'bin', 'skiff.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A nats-server with JetStream in `dir` plus a client connection and a Store for the bench itself. */
export async function startNats(dir) {
  mkdirSync(dir, { recursive: true });
  const server = await startNatsServer({ dataDir: dir });
  const nc = await connect({ servers: server.url, name: 'skiff-bench-api' });
  const store = await openJetStreamStore(nc);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    url: server.url,
    pid: server.process.pid,
    store,
    /** The store's newest revision. */
    async storeRevision() {
      return (await jsm.streams.info(OBJECTS_STREAM)).state.last_seq;
    },
    /** The revision of the newest event in the events stream (0 when none). */
    async publishedRevision() {
      const info = await jsm.streams.info(EVENTS_STREAM).catch(() => undefined);
      if (info === undefined || info.state.messages === 0) return 0;
      const msg = await jsm.streams.getMessage(EVENTS_STREAM, { seq: info.state.last_seq });
      return Number(msg?.header?.get(REVISION_HEADER) ?? 0);
    },
    /**
     * Records every store revision so far as published, as a running apiserver
     * would have: one event carrying the store's last revision, which is all a
     * starting event publisher reads. (Objects loaded behind the apiserver's
     * back would otherwise be replayed into the events stream at start.)
     */
    async markPublished() {
      await ensureEventsStream(jsm);
      const h = headers();
      const rev = await this.storeRevision();
      h.set(REVISION_HEADER, String(rev));
      h.set(EVENT_TYPE_HEADER, 'MODIFIED');
      await js.publish('skiff.ev.core.namespaces._._.bench-marker', new TextEncoder().encode('{}'), { headers: h, msgID: String(rev) });
    },
    async stop() {
      await store.close();
      await nc.drain().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes objects straight into the store, `inFlight` writes at a time.
 * `make(i)` returns [desc, namespace, name, object] for object i.
 */
export async function loadObjects(store, count, make, inFlight = 512) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const [desc, ns, name, object] = make(next++);
      await store.create(objectKey(desc, ns, name), object);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** Waits until the events stream holds every store revision (the event publisher caught up); resolves with the ms waited. */
export async function waitPublished(nats, timeoutMs = 120_000) {
  const t0 = performance.now();
  const target = await nats.storeRevision();
  while ((await nats.publishedRevision()) < target) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`event publisher did not reach revision ${target} in ${timeoutMs} ms`);
    await sleep(50);
  }
  return performance.now() - t0;
}

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, 100 ticks/s). */
export function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** /proc/<pid>/status memory lines, in MiB. */
export function procMemory(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

/**
 * Starts `node packages/cli/bin/skiff.js apiserver` and waits for /readyz.
 * `readyMs` is from spawn to the first 200 from /readyz (Node start-up,
 * module loading, NATS connect, watch cache load, publisher start, listen).
 * With `cpuProfDir`, the child writes a V8 CPU profile there when it exits.
 */
export async function startApiserver({
  natsUrl,
  logFile,
  cpuProfDir,
  name = 'apiserver',
  nodeOptions = [],
  bin = SKIFF_BIN,
  secureArgs = [],
}) {
  const port = await freePort();
  const args = [...nodeOptions];
  if (cpuProfDir !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  args.push(bin ?? SKIFF_BIN, 'apiserver', '--nats', natsUrl, '--port', String(port), ...secureArgs);
  const logFd = openSync(logFile, 'a');
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, SKIFF_LOG_LEVEL: process.env['SKIFF_LOG_LEVEL'] ?? 'warn' },
  });
  closeSync(logFd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exit;
  void exited.then((e) => (exit = e));
  const url = `${secureArgs.length > 0 ? 'https' : 'http'}://127.0.0.1:${port}`;
  for (;;) {
    if (exit !== undefined) {
      throw new Error(`apiserver exited (${JSON.stringify(exit)}) before ready; log: ${logFile}\n${tail(logFile)}`);
    }
    const res = await get(url, '/readyz').catch(() => undefined);
    if (res?.status === 200) break;
    if (performance.now() - t0 > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`apiserver not ready in 120 s; log: ${logFile}`);
    }
    await sleep(10);
  }
  const readyMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    readyMs,
    memory: () => procMemory(child.pid),
    /** SIGTERM (the apiserver drains and exits; a CPU profile is written then), SIGKILL after 20 s. */
    async stop() {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
