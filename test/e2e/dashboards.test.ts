/**
 * The generated Grafana dashboards against what Skiff really exports.
 *
 * Static: the committed `dashboards/*.json` are what the builders generate;
 * every panel and variable query names only metrics some component exports
 * (prom-client constructors in `packages/<pkg>/src`, plus prom-client's
 * default process metrics) and only variables its dashboard defines; every
 * panel reads the `${datasource}` variable.
 *
 * Live: a real `skiff up` cluster, the controller-manager's state metrics
 * (run in this process unless the controller-manager already serves them),
 * a workload, and a real Prometheus scraping every component each second
 * with `deploy/prometheus.yml` (ports replaced); then every query of every
 * panel, variables substituted, is evaluated through Prometheus' HTTP API and
 * must return data, and a few must return known values.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { VariableType, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { milliCpu, NODES, PODS, podRequests, type Node, type Pod } from '@skiff/api';
import { Informer } from '@skiff/client';
import { createMetricsRegistry, serveMetrics, silentLogger } from '@skiff/telemetry';
import { StateMetrics } from '../../packages/controller-manager/src/state-metrics/index.js';
import { freePort } from '../../packages/cli/src/nats-server.js';
import { dashboardFile, dashboards, renderDashboard } from '../../dashboards/src/index.js';
import {
  BUILTIN_VARIABLES,
  definedVariables,
  metricNames,
  panelQueries,
  referencedVariables,
  substituteVariables,
  variableQueries,
  type DashboardQuery,
} from '../../dashboards/src/inspect.js';
import { podCgroups, startCluster, waitFor, type TestCluster } from '../support/cluster.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const DASHBOARDS_DIR = join(ROOT, 'dashboards');
const NS = 'dash-e2e';
const WORKLOAD = { pods: 4, cpu: '100m', memory: '32Mi', cpuLimit: '200m', memoryLimit: '64Mi' };
const MiB = 2 ** 20;

/** The committed dashboards, as Grafana imports them. */
function committedDashboards(): Dashboard[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8')) as Dashboard);
}

function allQueries(d: Dashboard): DashboardQuery[] {
  return [...panelQueries(d), ...variableQueries(d)];
}

/** `name` plus the series names a metric of `type` exposes. */
function seriesNames(name: string, type: string): string[] {
  if (type === 'histogram') return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Metric series names the components' sources declare with prom-client, and prom-client's default metrics. */
async function declaredMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const packagesDir = join(ROOT, 'packages');
  for (const pkg of readdirSync(packagesDir)) {
    for (const file of sourceFiles(join(packagesDir, pkg, 'src'))) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes("from 'prom-client'") && !text.includes('FastHistogram')) continue;
      // FastHistogram (@skiff/telemetry) is a histogram served through the prom-client registry.
      for (const m of text.matchAll(
        /new (Counter|Gauge|Histogram|Summary|FastHistogram)(?:<[^>]*>)?\(\{\s*name: '([a-zA-Z_:][a-zA-Z0-9_:]*)'/g,
      )) {
        for (const n of seriesNames(m[2] ?? '', (m[1] ?? '').toLowerCase().replace('fasthistogram', 'histogram'))) names.add(n);
      }
    }
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const m of await registry.getMetricsAsJSON()) for (const n of seriesNames(m.name, String(m.type))) names.add(n);
  return names;
}

/** Series names in a Prometheus text exposition (from its `# TYPE` lines). */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) for (const n of seriesNames(m[1] ?? '', m[2] ?? '')) names.add(n);
  return names;
}

describe('dashboards (static)', () => {
  it('are committed exactly as the builders generate them', async () => {
    const generated = dashboards();
    expect(
      readdirSync(DASHBOARDS_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(generated.map(dashboardFile).sort());
    for (const d of generated) {
      const path = join(DASHBOARDS_DIR, dashboardFile(d));
      expect(readFileSync(path, 'utf8'), `${path} is stale: npx tsc -p dashboards/src && node dashboards/generate.mjs`).toBe(
        await renderDashboard(d, path),
      );
    }
  });

  it('name only metrics Skiff exports', async () => {
    const exported = await declaredMetricNames();
    expect(exported).toContain('kube_pod_container_resource_requests');
    expect(exported).toContain('apiserver_request_duration_seconds_bucket');
    expect(exported).toContain('process_cpu_seconds_total');
    const unknown: string[] = [];
    for (const d of committedDashboards()) {
      for (const q of allQueries(d)) {
        const names = metricNames(q.expr);
        if (q.panel !== undefined && names.length === 0 && !q.expr.startsWith('vector('))
          unknown.push(`${d.uid} ${q.where}: no metric in ${q.expr}`);
        for (const n of names) if (!exported.has(n)) unknown.push(`${d.uid} ${q.where}: ${n}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('use only the variables they define, and the ${datasource} variable for every panel', () => {
    const problems: string[] = [];
    for (const d of committedDashboards()) {
      const defined = new Set(definedVariables(d));
      const ds = d.templating?.list?.find((v) => v.name === 'datasource');
      if (ds?.type !== VariableType.Datasource || ds.query !== 'prometheus') problems.push(`${d.uid}: no prometheus datasource variable`);
      for (const q of allQueries(d)) {
        for (const v of referencedVariables(q.expr)) {
          if (!defined.has(v) && !BUILTIN_VARIABLES.has(v)) problems.push(`${d.uid} ${q.where}: $${v}`);
        }
      }
      for (const p of d.panels ?? []) {
        const ref = (p as { type?: string; datasource?: { type?: string; uid?: string } }).datasource;
        if ((p as { type?: string }).type !== 'row' && (ref?.type !== 'prometheus' || ref.uid !== '${datasource}')) {
          problems.push(`${d.uid} ${p.title ?? ''}: datasource ${JSON.stringify(ref)}`);
        }
      }
      // No fixed data source anywhere: every uid in a datasource reference is the variable.
      for (const m of JSON.stringify(d).matchAll(/"datasource":\{"type":"[^"]*","uid":"([^"]*)"\}/g)) {
        if (m[1] !== '${datasource}') problems.push(`${d.uid}: fixed datasource uid ${m[1] ?? ''}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------- live

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

let cluster: TestCluster | undefined;
let nc: NatsConnection | undefined;
let informers: Array<Informer<Pod> | Informer<Node>> = [];
let stateServer: Server | undefined;
/** The port of the in-process state metrics (undefined: the controller-manager serves them). */
let statePort: number | undefined;
let prometheus: ChildProcess | undefined;
let promDir: string | undefined;
let promUrl = '';
let prometheusLog = '';

async function ensurePrometheus(): Promise<void> {
  try {
    await run('which', ['prometheus']);
  } catch {
    // Debian's package (2.42); scripts/setup.sh should install it too.
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'update', '-qq'], { env });
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
      env,
      timeout: 300_000,
    });
  }
}

/** Serves the state metrics of this cluster from this process, unless the controller-manager already does. */
async function startStateMetrics(c: TestCluster): Promise<number | undefined> {
  // The controller-manager may still be starting (the cluster counts as up once the node is Ready).
  const cmMetrics = await waitFor(
    'the controller-manager to serve /metrics',
    async () => {
      const res = await fetch(`http://127.0.0.1:${c.ports.controllerManager}/metrics`);
      return res.ok ? res.text() : undefined;
    },
    30_000,
    200,
  );
  // The controller-manager exports the kube-state-metrics series once it leads: wait for that rather than
  // export them a second time from here (both would be scraped and every sum doubled).
  const leads = await waitFor(
    'the controller-manager to export kube_pod_status_phase',
    async () => {
      const text = (await (await fetch(`http://127.0.0.1:${c.ports.controllerManager}/metrics`)).text()) || cmMetrics;
      return text.includes('kube_pod_status_phase');
    },
    30_000,
    250,
  ).catch(() => false);
  if (leads) return undefined;
  const client = c.client('skiff-dashboards-test');
  nc = await connect(c.natsOptions());
  const pods = new Informer<Pod>({ client, nc, desc: PODS, logger: silentLogger() });
  const nodes = new Informer<Node>({ client, nc, desc: NODES, logger: silentLogger() });
  informers = [pods, nodes];
  await Promise.all([pods.start(), nodes.start()]);
  const registry = createMetricsRegistry('controller-manager', false);
  new StateMetrics({ pods, nodes, metrics: registry });
  const port = await freePort();
  stateServer = createServer((req, res) => void serveMetrics(registry, req, res));
  await new Promise<void>((resolve) => stateServer?.listen(port, '127.0.0.1', resolve));
  return port;
}

/** deploy/prometheus.yml with the cluster's ports, a 1 s scrape interval and the in-process state metrics. */
function prometheusConfig(c: TestCluster, stateMetricsPort: number | undefined): string {
  const ports: Record<string, number> = {
    '6443': c.ports.api,
    '10259': c.ports.scheduler,
    '10257': c.ports.controllerManager,
    '10250': c.ports.kubelet,
  };
  let config = readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8')
    .replaceAll('/root/.skiff/pki/', `${c.dataDir}/pki/`)
    .replace(/scrape_interval: 15s/, 'scrape_interval: 1s')
    .replace(/evaluation_interval: 15s/, 'evaluation_interval: 1s');
  for (const [from, to] of Object.entries(ports)) {
    const target = `'127.0.0.1:${from}'`;
    expect(config, `deploy/prometheus.yml scrapes ${target}`).toContain(target);
    const extra = from === '10257' && stateMetricsPort !== undefined ? `, '127.0.0.1:${stateMetricsPort}'` : '';
    config = config.replace(target, `'127.0.0.1:${to}'${extra}`);
  }
  return config;
}

async function startPrometheus(config: string): Promise<void> {
  promDir = mkdtempSync(join(tmpdir(), 'skiff-prometheus-'));
  writeFileSync(join(promDir, 'prometheus.yml'), config);
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (b: Buffer) => (prometheusLog += b.toString()));
  prometheus.stderr?.on('data', (b: Buffer) => (prometheusLog += b.toString()));
  await waitFor(
    'Prometheus to be ready',
    async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${prometheusLog}`);
      return (await fetch(`${promUrl}/-/ready`)).ok;
    },
    20_000,
    100,
  );
}

/** An instant query's samples (a scalar result as one sample). */
async function promQuery(expr: string): Promise<PromSample[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: PromSample[] | [number, string] };
  };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`${expr}: ${body.error ?? res.statusText}`);
  if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as [number, string] }];
  return body.data.result as PromSample[];
}

async function promValue(expr: string): Promise<number | undefined> {
  const samples = await promQuery(expr);
  return samples.length === 0 ? undefined : Number(samples[0]?.value[1]);
}

/** The workload: pods with known requests and limits, in their own namespace. */
function workloadPods(): unknown[] {
  return Array.from({ length: WORKLOAD.pods }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `work-${i}`, namespace: NS },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['sleep', '3600'],
          resources: {
            requests: { cpu: WORKLOAD.cpu, memory: WORKLOAD.memory },
            limits: { cpu: WORKLOAD.cpuLimit, memory: WORKLOAD.memoryLimit },
          },
        },
      ],
    },
  }));
}

/** `kubectl apply` of the objects, one file each in a fresh directory. */
async function apply(c: TestCluster, name: string, objects: unknown[]): Promise<void> {
  const dir = join(c.dataDir, 'manifests', name);
  mkdirSync(dir, { recursive: true });
  objects.forEach((o, i) => writeFileSync(join(dir, `${i}.json`), JSON.stringify(o)));
  await c.kubectl('apply', '-f', dir);
}

describe('dashboards (live)', () => {
  beforeAll(async () => {
    await ensurePrometheus();
    cluster = await startCluster();
    statePort = await startStateMetrics(cluster);
    await startPrometheus(prometheusConfig(cluster, statePort));
    await waitFor('a first scrape of every target', async () => (await promValue('count(up == 1)')) === (statePort === undefined ? 4 : 5));

    // Warm-up: a pod to create every labelled series (phases, attempts, operations) before the workload
    // moves them, an unschedulable pod, and an HTTP watch.
    await apply(cluster, 'namespace', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
    await apply(cluster, 'warmup', [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'warmup', namespace: 'default' },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'too-big', namespace: 'default' },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '1000' } } }] },
      },
    ]);
    const watch = cluster.kubectlResult('get', 'pods', '--watch', '--request-timeout=3s');
    await waitFor(
      'the warm-up pod to be scraped through every lifecycle phase',
      async () => (await promValue('count(count by (phase) (skiff_pod_lifecycle_phase_duration_seconds_count))')) === 6,
      30_000,
      250,
    );
    await waitFor('the watch to be scraped', async () => (await promQuery('apiserver_longrunning_requests')).length > 0, 10_000, 250);

    await apply(cluster, 'workload', workloadPods());
    try {
      await waitFor(
        'the workload to run, as scraped',
        async () =>
          (await promValue(`sum(kube_pod_status_phase{namespace="${NS}", phase="Running"})`)) === WORKLOAD.pods &&
          (await promValue('sum(kubelet_running_pods)')) === WORKLOAD.pods + 1 &&
          (await promValue(`count(kube_pod_status_ready_time{namespace="${NS}"})`)) === WORKLOAD.pods,
        120_000,
        250,
      );
    } catch (err) {
      // Say what the cluster and Prometheus saw, so a timeout explains itself.
      const pods = await cluster.kubectlResult('get', 'pods', '-A', '-o', 'wide');
      const events = await cluster.kubectlResult('get', 'events', '-n', NS);
      const seen = {
        running: await promValue(`sum(kube_pod_status_phase{namespace="${NS}", phase="Running"})`),
        kubeletRunning: await promValue('sum(kubelet_running_pods)'),
        readyTimes: await promValue(`count(kube_pod_status_ready_time{namespace="${NS}"})`),
      };
      throw new Error(`${String(err)}\nprometheus: ${JSON.stringify(seen)}\n${pods.stdout}\n${events.stdout}`);
    }
    await watch;
    // Two more scrapes, so every rate window holds the workload's increments.
    await new Promise((r) => setTimeout(r, 2500));
  }, 300_000);

  afterAll(async () => {
    if (cluster !== undefined) {
      await cluster.kubectlResult('delete', 'pods', '--all', '-n', NS, '--wait=true', '--timeout=30s');
      await cluster.kubectlResult('delete', 'pods', 'warmup', 'too-big', '-n', 'default', '--wait=true', '--timeout=30s');
    }
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus?.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (promDir !== undefined) rmSync(promDir, { recursive: true, force: true });
    await new Promise((r) => (stateServer === undefined ? r(undefined) : stateServer.close(r)));
    await Promise.all(informers.map((i) => i.stop()));
    await nc?.close();
    const cgroupRoot = cluster?.cgroupRoot;
    await cluster?.stop();
    if (cgroupRoot !== undefined) expect(podCgroups(cgroupRoot)).toEqual([]);
  }, 120_000);

  /** Values for the template variables: one concrete value where the test knows it, "All" elsewhere. */
  function variableValues(c: TestCluster): Record<string, string> {
    return {
      __rate_interval: '1m',
      __range: '5m',
      node: c.nodeName,
      namespace: NS,
      resource: 'pods',
      verb: '.*',
      instance: '.*',
      component: '.*',
    };
  }

  it('every metric a dashboard names is on some component’s /metrics', async () => {
    const c = cluster!;
    const exposed = new Set<string>();
    for (const port of [c.ports.api, c.ports.scheduler, c.ports.controllerManager, c.ports.kubelet, statePort]) {
      if (port === undefined) continue;
      // The apiserver's /metrics is behind authentication: the admin client certificate.
      const text =
        port === c.ports.api ? await c.client().getText('/metrics') : await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const n of exposedNames(text)) exposed.add(n);
    }
    const missing = committedDashboards().flatMap((d) =>
      allQueries(d).flatMap((q) =>
        metricNames(q.expr).filter((n) => !exposed.has(n) && !exposed.has(n.replace(/_(bucket|sum|count)$/, ''))),
      ),
    );
    expect([...new Set(missing)]).toEqual([]);
  });

  it('every query of every panel and variable returns data from Prometheus', async () => {
    const values = variableValues(cluster!);
    const problem = async (where: string, expr: string): Promise<string | undefined> => {
      const samples = await promQuery(expr);
      if (samples.length === 0) return `${where}: no data for ${expr}`;
      if (!samples.some((s) => Number.isFinite(Number(s.value[1])))) return `${where}: only NaN/Inf for ${expr}`;
      return undefined;
    };
    let pending: Array<{ where: string; expr: string }> = [];
    let evaluated = 0;
    for (const d of committedDashboards()) {
      for (const q of allQueries(d)) {
        const expr = substituteVariables(q.expr, values);
        evaluated++;
        if ((await problem(`${d.uid} ${q.where}`, expr)) !== undefined) pending.push({ where: `${d.uid} ${q.where}`, expr });
      }
    }
    // Some series appear only after their first event (a process's first garbage collection, say): ask again for a while.
    const deadline = Date.now() + 45_000;
    let empty: string[] = [];
    for (;;) {
      empty = [];
      const still: typeof pending = [];
      for (const p of pending) {
        const why = await problem(p.where, p.expr);
        if (why !== undefined) {
          empty.push(why);
          still.push(p);
        }
      }
      pending = still;
      if (pending.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect(empty).toEqual([]);
    expect(evaluated).toBeGreaterThan(80);
  });

  it('shows the workload’s requests, the node’s allocatable and the headroom left', async () => {
    const c = cluster!;
    const byUid = new Map(committedDashboards().map((d) => [d.uid ?? '', d]));
    const values = variableValues(c);
    const panelQuery = async (uid: string, title: string, refId = 'A'): Promise<PromSample[]> => {
      const q = panelQueries(byUid.get(uid)!).find((x) => x.panel === title && x.refId === refId);
      if (q === undefined) throw new Error(`${uid} has no panel ${title} [${refId}]`);
      return promQuery(substituteVariables(q.expr, values));
    };
    const valueOf = (samples: PromSample[], label?: string, value?: string): number =>
      Number(samples.find((s) => label === undefined || s.metric[label] === value)?.value[1]);

    const node = JSON.parse(await c.kubectl('get', 'node', c.nodeName, '-o', 'json')) as Node;
    const allocatableCpu = milliCpu(node.status?.allocatable?.['cpu'] ?? '0') / 1000;
    const pods = (JSON.parse(await c.kubectl('get', 'pods', '-A', '-o', 'json')) as { items: Pod[] }).items;
    const requestedOnNode = pods
      .filter((p) => p.spec?.nodeName === c.nodeName && ['Pending', 'Running'].includes(p.status?.phase ?? ''))
      .reduce((sum, p) => sum + podRequests(p).milliCpu, 0);

    expect(valueOf(await panelQuery('skiff-capacity', 'CPU requested by namespace'), 'namespace', NS)).toBeCloseTo(
      (WORKLOAD.pods * milliCpu(WORKLOAD.cpu)) / 1000,
      6,
    );
    expect(valueOf(await panelQuery('skiff-capacity', 'Memory requested by namespace'), 'namespace', NS)).toBe(WORKLOAD.pods * 32 * MiB);
    expect(valueOf(await panelQuery('skiff-capacity', 'CPU: requested vs allocatable, by node', 'B'), 'node', c.nodeName)).toBe(
      allocatableCpu,
    );
    expect(valueOf(await panelQuery('skiff-capacity', 'Largest CPU request that fits'))).toBeCloseTo(
      allocatableCpu - requestedOnNode / 1000,
      6,
    );
    expect(valueOf(await panelQuery('skiff-capacity', 'Stranded CPU'))).toBe(0);
    expect(valueOf(await panelQuery('skiff-capacity', 'Pods by phase'), 'phase', 'Running')).toBe(WORKLOAD.pods);
    expect(valueOf(await panelQuery('skiff-kubelet', 'Running pods'))).toBe(WORKLOAD.pods + 1);
    expect(valueOf(await panelQuery('skiff-scheduler', 'Pending pods'))).toBe(1);
    const withinSlo = valueOf(await panelQuery('skiff-pod-lifecycle', 'Pods started within 5 s'));
    expect(withinSlo).toBeGreaterThanOrEqual(0);
    expect(withinSlo).toBeLessThanOrEqual(1);
    expect(valueOf(await panelQuery('skiff-pod-lifecycle', 'Error budget left'))).toBeCloseTo(1 - (1 - withinSlo) / 0.01, 6);
  });

  it('shows the NATS bus: every component on it, and the kubelet receiving its pods through the events stream', async () => {
    const c = cluster!;
    const byUid = new Map(committedDashboards().map((d) => [d.uid ?? '', d]));
    const q = panelQueries(byUid.get('skiff-nats')!).find((x) => x.panel === 'Messages per second by component');
    const perComponent = await promQuery(substituteVariables(q!.expr, variableValues(c)));
    const components = new Set(perComponent.map((s) => s.metric['component']));
    for (const component of ['apiserver', 'scheduler', 'controller-manager', 'kubelet']) expect(components).toContain(component);
    // The kubelet's pod informer delivered at least one event for each pod bound to it (the binding).
    const delivered = await promValue('sum(skiff_informer_events_total{component="kubelet", resource="pods", result="delivered"})');
    expect(delivered).toBeGreaterThanOrEqual(WORKLOAD.pods + 1);
    // nats-server's own monitoring endpoint is on, and `skiff up` says where.
    const monitorUrl = readFileSync(join(c.dataDir, 'nats', 'monitor-url'), 'utf8').trim();
    expect(c.output()).toContain(`NATS monitoring at ${monitorUrl}`);
    const varz = (await (await fetch(`${monitorUrl}/varz`)).json()) as { connections?: number };
    expect(varz.connections).toBeGreaterThanOrEqual(4);
  });
});
