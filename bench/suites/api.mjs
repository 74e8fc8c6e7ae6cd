// The apiserver under load (issue 3): pod creates through HTTP with 64
// clients, LIST of 10,000 pods, watch fan-out to 1,000 HTTP watchers, and
// cold start and RSS holding 150,000 pods and 5,000 nodes.
//
// A real nats-server and the real apiserver (`skiff apiserver`, a child
// process) run here; this process is the load generator. Each phase starts its
// own apiserver, so a phase's garbage does not weigh on the next and, with
// --profile, each phase gets its own CPU profile.
//
// Options: --profile (CPU-profile the apiserver in each phase and say where its
// time went), --only=create,create-wrk,list,watch,scale, --clients=64, --seconds=5
// (per create round), --rounds=3, --watchers=1000, --watch-pods=300,
// --watch-rate=20 (creates/s during the fan-out), --pods=150000, --nodes=5000,
// --starts=3 (cold starts at scale), --apiserver-node-options="--flag ..."
// (extra node flags for the apiserver child), --skiff-bin=PATH (another
// tree's packages/cli/bin/skiff.js, to compare a change against this one),
// --secure (HTTPS, client certificates and RBAC; metrics get a `_secure` suffix).
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NAMESPACES, NODES, PODS } from '@skiff/api';
import { DEFAULT_NAMESPACES } from '@skiff/apiserver';
import { figure, machine, table } from '../report.mjs';
import { loadObjects, procCpuMs, startApiserver, startNats, waitPublished } from '../api/cluster.mjs';
import { ensureWrk, wrkPost } from '../api/wrk.mjs';
import { agent, createNamespace, expectStatus, get, median, request, summarize, useTls } from '../api/http.mjs';
import { ensureClusterPki } from '../../packages/cli/dist/pki/cluster-pki.js';
import { podBody, storedNamespace, storedNode, storedPod } from '../api/objects.mjs';
import { profileClockUs, summarizeProfile } from '../api/profile.mjs';

const BENCH = 'api';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`# ${msg}\n`);
const fmt = (v, digits = 1) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

function parseOptions(argv) {
  const o = {
    profile: false,
    only: ['create', 'create-wrk', 'list', 'watch', 'scale'],
    clients: 64,
    seconds: 5,
    rounds: 3,
    watchers: 1000,
    watchPods: 300,
    watchRate: 20,
    pods: 150_000,
    nodes: 5000,
    starts: 3,
    apiserverNodeOptions: [],
    skiffBin: undefined,
    secure: false,
  };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const k = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^--/, '');
    const v = eq < 0 ? undefined : arg.slice(eq + 1);
    if (k === 'profile') o.profile = true;
    else if (k === 'apiserver-node-options') o.apiserverNodeOptions = (v ?? '').split(' ').filter((x) => x !== '');
    else if (k === 'skiff-bin') o.skiffBin = v;
    else if (k === 'secure') o.secure = true;
    else if (k === 'only') o.only = (v ?? '').split(',');
    else if (k === 'watch-pods') o.watchPods = Number(v);
    else if (k === 'watch-rate') o.watchRate = Number(v);
    else if (k !== undefined && k in o && typeof o[k] === 'number') o[k] = Number(v);
    else throw new Error(`unknown option ${arg}`);
  }
  return o;
}

/** CPU ms used by the apiserver, nats-server and this process between two calls. */
function cpuMeter(apiPid, natsPid) {
  const read = () => ({ api: procCpuMs(apiPid), nats: procCpuMs(natsPid), bench: process.cpuUsage() });
  const start = read();
  return () => {
    const end = read();
    const bench = process.cpuUsage(start.bench);
    return { api: end.api - start.api, nats: end.nats - start.nats, bench: (bench.user + bench.system) / 1000 };
  };
}

class Bench {
  constructor(options) {
    this.o = options;
    this.dir = mkdtempSync(join(tmpdir(), 'skiff-bench-api-'));
    this.profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'skiff-bench-api-profiles-')) : undefined;
    this.results = [];
    this.notes = [];
    this.nats = undefined;
    this.api = undefined;
    this.natsCount = 0;
  }

  result(metric, value, unit, label, goal, reference = '') {
    // --secure runs report under their own names, so both sit side by side.
    if (this.o.secure)
      this.results.push({ metric: `${metric}_secure`, value, unit, label: `${label} [TLS + x509 + RBAC]`, goal, reference });
    else this.results.push({ metric, value, unit, label, goal, reference });
  }

  async freshNats() {
    await this.nats?.stop();
    this.nats = undefined;
    this.nats = await startNats(join(this.dir, `nats-${this.natsCount++}`));
  }

  async startApi(name) {
    this.api = await startApiserver({
      natsUrl: this.nats.url,
      logFile: join(this.dir, `${name}.log`),
      cpuProfDir: this.profileDir,
      name,
      nodeOptions: this.o.apiserverNodeOptions,
      bin: this.o.skiffBin,
      secureArgs: this.secureArgs(),
    });
    return this.api;
  }

  /**
   * `--secure`: the apiserver with TLS, client-certificate authentication and
   * Node+RBAC authorization (the cluster PKI `skiff up` makes); the load
   * generator speaks as skiff-admin (system:masters, allowed by RBAC's
   * cluster-admin binding after the Node authorizer declines).
   */
  secureArgs() {
    if (!this.o.secure) return [];
    if (this.pki === undefined) {
      this.pki = ensureClusterPki(join(this.dir, 'pki'), { hostNames: ['127.0.0.1'], nodeName: 'bench' });
      useTls({
        ca: readFileSync(this.pki.ca.certFile),
        cert: readFileSync(this.pki.admin.certFile),
        key: readFileSync(this.pki.admin.keyFile),
      });
    }
    const { pki } = this;
    return [
      '--tls-cert-file',
      pki.apiserver.certFile,
      '--tls-private-key-file',
      pki.apiserver.keyFile,
      '--client-ca-file',
      pki.ca.certFile,
    ];
  }

  /** Marks the start of what the phase's CPU profile should cover (not the apiserver's start-up). */
  profileFrom() {
    this.window = { fromUs: profileClockUs() };
  }

  profileTo() {
    if (this.window !== undefined) this.window.toUs = profileClockUs();
  }

  async stopApi(name) {
    await this.api?.stop();
    this.api = undefined;
    const window = this.window ?? {};
    this.window = undefined;
    if (this.profileDir === undefined) return;
    const p = summarizeProfile(join(this.profileDir, `${name}.cpuprofile`), window);
    const span = window.fromUs === undefined ? 'whole run' : 'measured window';
    process.stdout.write(
      `\nCPU profile of the apiserver, phase ${name} (${span}): ${fmt(p.busyMs / 1000, 2)} s busy of ${fmt(p.totalMs / 1000, 2)} s\n`,
    );
    table(p.leaf.slice(0, 12).map((r) => ({ 'leaf category': r.name, ms: fmt(r.ms, 0), share: `${fmt(100 * r.share)}%` })));
    process.stdout.write('\n');
    table(
      p.owners
        .slice(0, 15)
        .map((r) => ({ 'innermost Skiff frame': r.name, ms: fmt(r.ms, 0), share: `${fmt(100 * r.share)}%`, 'of which': r.detail })),
    );
  }

  async cleanup() {
    await this.api?.stop().catch(() => undefined);
    await this.nats?.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    if (this.profileDir !== undefined) log(`CPU profiles kept in ${this.profileDir}`);
  }

  // ---- 1. creates through HTTP ------------------------------------------------
  async create() {
    const { clients, seconds, rounds } = this.o;
    const api = await this.startApi('create');
    this.result('cold_start_empty_s', api.readyMs / 1000, 's', 'apiserver start, empty store (spawn → /readyz 200)', '', '');
    await createNamespace(api.url, 'bench-create');
    const a = agent(clients);
    const template = JSON.stringify(podBody('bench-create', '__NAME__'));
    let seq = 0;
    let errors = 0;
    const runFor = async (ms, samples) => {
      const end = performance.now() + ms;
      let done = 0;
      const worker = async () => {
        while (performance.now() < end) {
          const body = template.replace('__NAME__', `c-${seq++}`);
          const t0 = performance.now();
          const res = await request(api.url, 'POST', '/api/v1/namespaces/bench-create/pods', { body, agent: a });
          const dt = performance.now() - t0;
          if (res.status === 201) {
            done++;
            samples.push(dt);
          } else if (errors++ === 0) log(`create failed: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: clients }, worker));
      return done / ((performance.now() - t0) / 1000);
    };
    log(`create: warm-up 2 s, then ${rounds} × ${seconds} s with ${clients} clients`);
    await runFor(2000, []);
    const perRound = [];
    const cpu = cpuMeter(api.pid, this.nats.pid);
    this.profileFrom();
    let created = 0;
    for (let r = 0; r < rounds; r++) {
      const samples = [];
      const rate = await runFor(seconds * 1000, samples);
      created += samples.length;
      const s = summarize(samples);
      perRound.push({ rate, ...s });
      log(`  round ${r + 1}: ${fmt(rate, 0)} creates/s, p50 ${fmt(s.p50, 2)} ms, p99 ${fmt(s.p99, 2)} ms, max ${fmt(s.max, 1)} ms`);
    }
    const used = cpu();
    this.profileTo();
    // The event publisher republishes every create to the events stream; how far behind was it when the load stopped?
    const lagMs = await waitPublished(this.nats);
    a.destroy();
    await this.stopApi('create');
    const rate = median(perRound.map((r) => r.rate));
    this.result(
      'create_per_s',
      rate,
      'creates/s',
      `pod create, ${clients} HTTP clients (median of ${rounds} × ${seconds} s)`,
      '≥ 5,000',
      'etcd alone: ~580 sequential writes/s',
    );
    this.result('create_p50_ms', median(perRound.map((r) => r.p50)), 'ms', 'pod create p50', '', '');
    this.result('create_p99_ms', median(perRound.map((r) => r.p99)), 'ms', 'pod create p99', '≤ 50 ms', 'Kubernetes SLO: p99 ≤ 1 s');
    this.result('create_errors', errors, 'requests', 'pod create: non-201 answers', '0', '');
    this.result('create_cpu_apiserver_us', (1000 * used.api) / created, 'us/create', 'CPU per create: apiserver', '', '');
    this.result('create_cpu_nats_us', (1000 * used.nats) / created, 'us/create', 'CPU per create: nats-server', '', '');
    this.result(
      'create_cpu_loadgen_us',
      (1000 * used.bench) / created,
      'us/create',
      'CPU per create: load generator (this process)',
      '',
      '',
    );
    this.result('create_publisher_lag_s', lagMs / 1000, 's', 'event publisher behind when the creates stopped', '', '');
  }

  // ---- 1b. creates through HTTP, driven by wrk ---------------------------------------
  // The Node.js load generator above costs ~270 µs of CPU per create on the same two cores
  // as the apiserver and nats-server; wrk (C) costs a few µs, so this is the apiserver's own rate.
  async createWrk() {
    const { clients, seconds, rounds } = this.o;
    if (this.o.secure) {
      log('create-wrk: skipped with --secure (wrk presents no client certificate)');
      return;
    }
    if (!ensureWrk()) {
      log('create-wrk: wrk is not installed and apt-get could not install it; skipped');
      return;
    }
    const api = await this.startApi('create-wrk');
    await createNamespace(api.url, 'bench-wrk');
    const body = JSON.stringify({ ...podBody('bench-wrk', ''), metadata: { generateName: 'w-', labels: { app: 'bench' } } });
    const path = '/api/v1/namespaces/bench-wrk/pods';
    log(`create-wrk: warm-up 2 s, then ${rounds} × ${seconds} s with ${clients} connections (wrk, one thread)`);
    await wrkPost({ url: api.url, path, body, connections: clients, seconds: 2 });
    const cpu = cpuMeter(api.pid, this.nats.pid);
    this.profileFrom();
    const perRound = [];
    let created = 0;
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      const w = await wrkPost({ url: api.url, path, body, connections: clients, seconds });
      created += w.requests - w.non2xx;
      errors += w.non2xx;
      perRound.push(w);
      log(`  round ${r + 1}: ${fmt(w.rate, 0)} creates/s, p50 ${fmt(w.p50, 2)} ms, p99 ${fmt(w.p99, 2)} ms, non-2xx ${w.non2xx}`);
    }
    const used = cpu();
    this.profileTo();
    await waitPublished(this.nats);
    await this.stopApi('create-wrk');
    this.result(
      'create_wrk_per_s',
      median(perRound.map((r) => r.rate)),
      'creates/s',
      `pod create, ${clients} connections from wrk (median of ${rounds} × ${seconds} s)`,
      '≥ 5,000',
      'etcd alone: ~580 sequential writes/s',
    );
    this.result('create_wrk_p50_ms', median(perRound.map((r) => r.p50)), 'ms', 'pod create p50 (wrk)', '', '');
    this.result(
      'create_wrk_p99_ms',
      median(perRound.map((r) => r.p99)),
      'ms',
      'pod create p99 (wrk)',
      '≤ 50 ms',
      'Kubernetes SLO: p99 ≤ 1 s',
    );
    this.result('create_wrk_errors', errors, 'requests', 'pod create (wrk): non-2xx answers', '0', '');
    this.result('create_wrk_cpu_apiserver_us', (1000 * used.api) / created, 'us/create', 'CPU per create (wrk): apiserver', '', '');
    this.result('create_wrk_cpu_nats_us', (1000 * used.nats) / created, 'us/create', 'CPU per create (wrk): nats-server', '', '');
  }

  // ---- 2. LIST of 10,000 pods ---------------------------------------------------
  async list() {
    log('list: loading 10,000 pods into namespace bench-list through the store');
    await this.nats.store.create(`core.namespaces._.bench-list`, storedNamespace('bench-list'));
    await loadObjects(this.nats.store, 10_000, (i) => [
      PODS,
      'bench-list',
      `l-${i}`,
      storedPod('bench-list', `l-${i}`, `node-${i % 5000}`, i),
    ]);
    const api = await this.startApi('list');
    await waitPublished(this.nats);
    const r = await this.measureList(api.url, 'bench-list', 40, true, api.pid);
    await this.stopApi('list');
    this.result('list_10k_pods_p50_ms', r.p50, 'ms', `LIST 10,000 pods, one namespace (${fmt(r.mib)} MiB JSON, ${r.n} sequential)`, '', '');
    this.result('list_10k_pods_p99_ms', r.p99, 'ms', 'LIST 10,000 pods p99', '≤ 300 ms', '');
    this.result('list_10k_pods_cpu_ms', r.cpuMs, 'ms', 'apiserver CPU per LIST of 10,000 pods (sequential LISTs)', '', '');
  }

  async measureList(url, ns, n, profileWindow = false, pid = undefined) {
    const a = agent(1);
    const path = `/api/v1/namespaces/${ns}/pods`;
    const first = expectStatus(await get(url, path, { agent: a }), [200], 'list');
    const items = JSON.parse(first.body.toString('utf8')).items.length;
    if (items !== 10_000) throw new Error(`LIST returned ${items} pods, expected 10,000`);
    for (let i = 0; i < 2; i++) await get(url, path, { agent: a });
    const timed = async (p, count) => {
      const samples = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        expectStatus(await get(url, p, { agent: a }), [200], 'list');
        samples.push(performance.now() - t0);
      }
      return summarize(samples);
    };
    if (profileWindow) this.profileFrom();
    const cpu0 = pid === undefined ? NaN : procCpuMs(pid);
    const s = await timed(path, n);
    const cpuMs = pid === undefined ? NaN : (procCpuMs(pid) - cpu0) / n;
    const rv0 = await timed(`${path}?resourceVersion=0`, Math.max(5, n / 4));
    if (profileWindow) this.profileTo();
    a.destroy();
    log(
      `  LIST ${ns}: p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms; rv=0 p50 ${fmt(rv0.p50)} ms; apiserver CPU ${fmt(cpuMs)} ms per LIST`,
    );
    return { ...s, rv0, cpuMs, mib: first.body.length / 2 ** 20 };
  }

  // ---- 3. watch fan-out -----------------------------------------------------------
  async watch() {
    const { watchers, watchPods: n, watchRate } = this.o;
    const api = await this.startApi('watch');
    await createNamespace(api.url, 'bench-watch');
    const listed = expectStatus(await get(api.url, '/api/v1/namespaces/bench-watch/pods'), [200], 'list');
    const rv = JSON.parse(listed.body.toString('utf8')).metadata.resourceVersion;
    const sent = new Float64Array(n).fill(NaN);
    const latencies = new Float64Array(watchers * n);
    const perEventMax = new Float64Array(n);
    const perEventCount = new Uint32Array(n);
    let delivered = 0;
    let unexpected = 0;
    const watchAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const requests = [];
    const onLine = (line) => {
      const at = line.indexOf('"name":"w-');
      if (at < 0) {
        if (!line.includes('"name":"warm-') && !line.includes('"BOOKMARK"')) unexpected++;
        return;
      }
      const i = Number.parseInt(line.slice(at + 10, line.indexOf('"', at + 10)), 10);
      const dt = performance.now() - sent[i];
      latencies[delivered++] = dt;
      perEventCount[i]++;
      if (dt > perEventMax[i]) perEventMax[i] = dt;
    };
    const open = () =>
      new Promise((resolve, reject) => {
        const req = http.get(
          `${api.url}/api/v1/namespaces/bench-watch/pods?watch=true&resourceVersion=${rv}`,
          { agent: watchAgent },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`watch: HTTP ${res.statusCode}`));
            let partial = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              const lines = (partial + chunk).split('\n');
              partial = lines.pop() ?? '';
              for (const line of lines) if (line !== '') onLine(line);
            });
            res.on('error', () => undefined);
            resolve();
          },
        );
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
        requests.push(req);
      });
    log(`watch: opening ${watchers} HTTP watches`);
    for (let i = 0; i < watchers; i += 100) await Promise.all(Array.from({ length: Math.min(100, watchers - i) }, open));
    const a = agent(16);
    const template = JSON.stringify(podBody('bench-watch', '__NAME__'));
    // Warm-up: 30 events through every watcher (JIT), not measured.
    for (let i = 0; i < 30; i++) {
      expectStatus(
        await request(api.url, 'POST', '/api/v1/namespaces/bench-watch/pods', {
          body: template.replace('__NAME__', `warm-${i}`),
          agent: a,
        }),
        [201],
        'create',
      );
      await sleep(1000 / watchRate);
    }
    await sleep(1000);
    const memBefore = api.memory();
    log(`watch: creating ${n} pods at ${watchRate}/s`);
    const createLatencies = [];
    const pending = [];
    const cpu = cpuMeter(api.pid, this.nats.pid);
    this.profileFrom();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const wait = t0 + (i * 1000) / watchRate - performance.now();
      if (wait > 0) await sleep(wait);
      sent[i] = performance.now();
      pending.push(
        request(api.url, 'POST', '/api/v1/namespaces/bench-watch/pods', { body: template.replace('__NAME__', `w-${i}`), agent: a }).then(
          (res) => {
            expectStatus(res, [201], 'create');
            createLatencies.push(performance.now() - sent[i]);
          },
        ),
      );
    }
    await Promise.all(pending);
    const deadline = performance.now() + 60_000;
    while (delivered < watchers * n && performance.now() < deadline) await sleep(50);
    const used = cpu();
    this.profileTo();
    const memAfter = api.memory();
    for (const req of requests) req.destroy();
    watchAgent.destroy();
    a.destroy();
    await this.stopApi('watch');
    const all = summarize(latencies.subarray(0, delivered));
    const lastWatcher = summarize(perEventMax);
    const creates = summarize(createLatencies);
    const missing = watchers * n - delivered;
    log(
      `  ${delivered} deliveries (${missing} missing, ${unexpected} unexpected lines): p50 ${fmt(all.p50)} ms, p99 ${fmt(all.p99)} ms, max ${fmt(all.max)} ms; ` +
        `all watchers served p99 ${fmt(lastWatcher.p99)} ms; creates p99 ${fmt(creates.p99)} ms; apiserver RSS ${fmt(memBefore.rssMiB, 0)} → ${fmt(memAfter.rssMiB, 0)} MiB`,
    );
    if (missing > 0 || perEventCount.some((c) => c !== watchers))
      this.notes.push(`watch: ${missing} of ${watchers * n} deliveries missing`);
    const label = `${watchers} watchers, ${n} pods at ${watchRate}/s`;
    this.result('watch_fanout_1000_p50_ms', all.p50, 'ms', `watch delivery (create sent → line received), ${label}, p50`, '', '');
    this.result('watch_fanout_1000_p99_ms', all.p99, 'ms', 'watch delivery p99 over every (watcher, event)', '≤ 100 ms', '');
    this.result('watch_fanout_1000_all_p99_ms', lastWatcher.p99, 'ms', 'time until the last watcher has an event, p99 over events', '', '');
    this.result('watch_fanout_missing', missing, 'events', 'deliveries missing', '0', '');
    this.result(
      'watch_fanout_cpu_apiserver_ms',
      used.api / n,
      'ms/event',
      `apiserver CPU per event fanned out to ${watchers} watchers`,
      '',
      '',
    );
    this.result(
      'watch_fanout_capacity_per_s',
      1000 / (used.api / n),
      'events/s',
      'fan-out capacity: events/s that would fill one core (1 s ÷ CPU per event)',
      '',
      '',
    );
  }

  // ---- 4. 150,000 pods and 5,000 nodes ------------------------------------------------
  async scale() {
    const { pods, nodes, starts } = this.o;
    await this.freshNats();
    const perNs = 10_000;
    const namespaces = [...DEFAULT_NAMESPACES, ...Array.from({ length: Math.ceil(pods / perNs) }, (_, i) => `bench-${i}`)];
    log(`scale: loading ${namespaces.length} namespaces, ${nodes} nodes, ${pods} pods into a fresh store (512 writes in flight)`);
    const t0 = performance.now();
    await loadObjects(this.nats.store, namespaces.length, (i) => [NAMESPACES, '', namespaces[i], storedNamespace(namespaces[i])], 64);
    await loadObjects(this.nats.store, nodes, (i) => [NODES, '', `node-${i}`, storedNode(`node-${i}`, i)]);
    await loadObjects(this.nats.store, pods, (i) => {
      const ns = `bench-${Math.floor(i / perNs)}`;
      return [PODS, ns, `p-${i}`, storedPod(ns, `p-${i}`, `node-${i % nodes}`, i)];
    });
    const loadS = (performance.now() - t0) / 1000;
    log(`  loaded ${pods + nodes + namespaces.length} objects in ${fmt(loadS)} s (${fmt((pods + nodes) / loadS, 0)} writes/s)`);
    await this.nats.markPublished();
    const startsS = [];
    const startCpu = [];
    const rss = [];
    const hwm = [];
    let list;
    for (let r = 0; r < starts; r++) {
      const from = profileClockUs();
      const natsCpu = procCpuMs(this.nats.pid);
      const api = await this.startApi(`scale-${r}`);
      this.window = { fromUs: from, toUs: profileClockUs() };
      startCpu.push({ api: procCpuMs(api.pid), nats: procCpuMs(this.nats.pid) - natsCpu });
      startsS.push(api.readyMs / 1000);
      const a = agent(1);
      expectStatus(await get(api.url, '/api/v1/namespaces/bench-0/pods', { agent: a }), [200], 'list');
      a.destroy();
      const mem = api.memory();
      rss.push(mem.rssMiB);
      hwm.push(mem.hwmMiB);
      log(
        `  start ${r + 1}: ready in ${fmt(api.readyMs / 1000, 2)} s (CPU: apiserver ${fmt(startCpu[r].api / 1000)} s, nats-server ${fmt(startCpu[r].nats / 1000)} s); after a LIST of 10,000 pods VmRSS ${fmt(mem.rssMiB, 0)} MiB, VmHWM ${fmt(mem.hwmMiB, 0)} MiB`,
      );
      if (r === 0) list = await this.measureList(api.url, 'bench-0', 20, false, api.pid);
      await this.stopApi(`scale-${r}`);
    }
    const what = `${fmt(pods / 1000, 0)}k pods + ${fmt(nodes / 1000, 0)}k nodes`;
    this.result(
      'rss_150k_pods_mib',
      median(rss),
      'MiB',
      `apiserver VmRSS holding ${what}, after a LIST (median of ${starts})`,
      '≤ 4,096 MiB',
      '',
    );
    this.result('rss_peak_150k_pods_mib', median(hwm), 'MiB', 'apiserver VmHWM (peak RSS, cache load included)', '', '');
    this.result(
      'cold_start_150k_pods_s',
      median(startsS),
      's',
      `apiserver cold start holding ${what} (spawn → /readyz 200, median of ${starts})`,
      '≤ 5 s',
      '',
    );
    this.result('cold_start_cpu_apiserver_s', median(startCpu.map((c) => c.api)) / 1000, 's', 'CPU the apiserver used until ready', '', '');
    this.result(
      'cold_start_cpu_nats_s',
      median(startCpu.map((c) => c.nats)) / 1000,
      's',
      'CPU nats-server used meanwhile (sending the snapshot)',
      '',
      '',
    );
    this.result(
      'list_10k_pods_at_150k_p99_ms',
      list.p99,
      'ms',
      'LIST 10,000 pods of one namespace, 150k pods in the cache, p99',
      '≤ 300 ms',
      '',
    );
    this.result('list_10k_pods_at_150k_cpu_ms', list.cpuMs, 'ms', 'apiserver CPU per LIST of 10,000 pods, 150k pods in the cache', '', '');
    this.result(
      'store_load_writes_per_s',
      (pods + nodes) / loadS,
      'writes/s',
      'bench loading the store directly, 512 writes in flight',
      '',
      'NATS KV put, 64 in flight: 15,600/s',
    );
  }
}

export async function run(argv) {
  const o = parseOptions(argv);
  process.stdout.write(`api on ${machine()}\n`);
  const bench = new Bench(o);
  const t0 = performance.now();
  const onSignal = () => void bench.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await bench.freshNats();
    if (o.only.includes('create')) await bench.create();
    if (o.only.includes('create-wrk')) await bench.createWrk();
    if (o.only.includes('list')) await bench.list();
    if (o.only.includes('watch')) await bench.watch();
    if (o.only.includes('scale')) await bench.scale();
  } finally {
    await bench.cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  log(`total ${fmt((performance.now() - t0) / 1000, 0)} s`);
  process.stdout.write('\n');
  table(
    bench.results.map((r) => ({
      figure: r.label,
      value: `${fmt(r.value, Number.isInteger(r.value) || r.value >= 100 ? 0 : r.value >= 10 ? 1 : 2)} ${r.unit}`,
      goal: r.goal,
      met: r.goal === '' ? '' : meets(r) ? 'yes' : 'NO',
      reference: r.reference,
    })),
  );
  for (const note of bench.notes) process.stdout.write(`note: ${note}\n`);
  for (const r of bench.results) figure(BENCH, r.metric, r.value, r.unit);
}

/** Whether a figure meets its goal ("≥ 5,000", "≤ 50 ms", "0"). */
function meets(r) {
  const m = /^(≥|≤)?\s*([\d,.]+)/.exec(r.goal);
  if (m === null) return true;
  const bound = Number(m[2].replaceAll(',', ''));
  if (m[1] === '≥') return r.value >= bound;
  if (m[1] === '≤') return r.value <= bound;
  return r.value === bound;
}
