/** `skiff kubelet`: the node agent for this machine, or (`--hollow N`) N simulated nodes in one process. */
import os from 'node:os';
import { join } from 'node:path';
import {
  CgroupManager,
  createCgroupStatsReader,
  DEFAULT_EVICTION_HARD,
  detectCgroupLayout,
  HollowFleet,
  Kubelet,
  loadNodeAgent,
  nativeCgroupStatsAvailable,
  parseDelayRange,
  parseEvictionThresholds,
  plegRelistObserver,
  createRuncRuntime,
  ProcessRuntime,
  StatsCollector,
  Subreaper,
  type DelayRange,
  type KubeletEvictionOptions,
} from '@skiff/kubelet';
import { bytes, isQuantity, milliCpu } from '@skiff/api';
import { createLogger, createMetricsRegistry } from '@skiff/telemetry';
import { parseFlags, untilSignal, UsageError, type CommandSpec, type ParsedFlags } from '../flags.js';
import { apiClient, COMPONENT_KUBECONFIG_FLAG, connectNats, serveHealthAndMetrics } from './common.js';

export const kubeletCommand: CommandSpec = {
  name: 'kubelet',
  summary: 'Run the node agent: pods as processes in cgroups',
  flags: {
    nats: {
      type: 'string',
      default: 'nats://127.0.0.1:4222',
      help: 'NATS URL (tls://...: over TLS, with the --kubeconfig client certificate)',
    },
    apiserver: { type: 'string', default: 'http://127.0.0.1:6443', help: 'apiserver URL' },
    ...COMPONENT_KUBECONFIG_FLAG,
    'node-name': { type: 'string', default: os.hostname().toLowerCase(), help: 'name of this node' },
    'node-ip': { type: 'string', default: '127.0.0.1', help: 'address the apiserver reaches this kubelet on' },
    host: { type: 'string', default: '127.0.0.1', help: 'address the kubelet listens on' },
    port: { type: 'string', default: '10250', help: 'kubelet HTTP port (0: any free port)' },
    'root-dir': { type: 'string', default: join(os.homedir(), '.skiff', 'kubelet'), help: 'state directory (containers, logs)' },
    'cgroup-root': { type: 'string', default: 'skiff', help: 'cgroup under which pods are placed' },
    'max-pods': { type: 'string', default: '110', help: 'pods this node accepts' },
    'pod-max-pids': { type: 'string', default: '-1', help: 'processes each pod may run (pids.max of its cgroup; -1: unlimited)' },
    'system-reserved-cpu': { type: 'string', default: '0', help: 'cpu reserved for the system (e.g. 500m)' },
    'system-reserved-memory': { type: 'string', default: '0', help: 'memory reserved for the system (e.g. 512Mi)' },
    'container-runtime': {
      type: 'string',
      default: 'process',
      help: 'process (host processes in namespaces) or runc (OCI containers from images imported with `skiff image import`)',
    },
    stats: { type: 'string', default: 'native', help: 'cgroup statistics reader: native or ts' },
    'stop-pods-on-exit': { type: 'boolean', default: false, help: 'stop every container when the kubelet exits' },
    'sync-frequency': { type: 'string', default: '10', help: 'seconds between full pod resyncs' },
    'pod-manifest-path': { type: 'string', default: '', help: 'directory of static pod manifests (run without the API, mirrored in it)' },
    'file-check-frequency': { type: 'string', default: '20', help: 'seconds between reads of the manifest directory' },
    'eviction-hard': {
      type: 'string',
      default: DEFAULT_EVICTION_HARD,
      help: 'hard eviction thresholds (memory.available, nodefs.available, nodefs.inodesFree, pid.available; "" turns eviction off)',
    },
    'housekeeping-interval': { type: 'string', default: '10', help: 'seconds between eviction rounds' },
    'eviction-pressure-transition-period': {
      type: 'string',
      default: '300',
      help: 'seconds a pressure condition stays true after its threshold stops being met',
    },
    hollow: {
      type: 'string',
      default: '0',
      help: 'run N simulated nodes in this process instead (no processes, no root; /metrics on --port)',
    },
    'hollow-prefix': { type: 'string', default: 'hollow-node-', help: 'name prefix of hollow nodes (<prefix><i>)' },
    'hollow-start-delay-ms': { type: 'string', default: '0-200', help: 'hollow pods: binding to Running, ms or a range (0-200)' },
    'hollow-ready-delay-ms': { type: 'string', default: '0', help: 'hollow pods: Running to Ready, ms or a range' },
    'hollow-cpu': { type: 'string', default: '4', help: 'cpu capacity of each hollow node' },
    'hollow-memory': { type: 'string', default: '16Gi', help: 'memory capacity of each hollow node' },
    'hollow-pods': { type: 'string', default: '110', help: 'max pods of each hollow node' },
    'hollow-heartbeat': { type: 'string', default: 'auto', help: 'hollow heartbeat: auto (Lease when served), lease or node-status' },
  },
  async run(argv) {
    const flags = parseFlags(kubeletCommand, argv);
    const hollow = Number(flags.str('hollow'));
    if (!Number.isInteger(hollow) || hollow < 0) throw new UsageError(`--hollow must be a whole number, not ${flags.str('hollow')}`);
    if (hollow > 0) return runHollow(flags, hollow);
    const statsKind = flags.str('stats');
    if (statsKind !== 'native' && statsKind !== 'ts') throw new UsageError(`--stats must be native or ts, not ${statsKind}`);
    const logger = createLogger('kubelet');
    if (process.getuid?.() !== 0) throw new Error('the kubelet must run as root (it creates cgroups)');
    const metrics = createMetricsRegistry('kubelet');
    const podMaxPids = Number(flags.str('pod-max-pids'));
    if (!Number.isInteger(podMaxPids)) throw new UsageError(`--pod-max-pids must be a whole number, not ${flags.str('pod-max-pids')}`);
    const nodeName = flags.str('node-name');
    const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: flags.str('cgroup-root'), logger });
    const runtimeKind = flags.str('container-runtime');
    if (runtimeKind !== 'process' && runtimeKind !== 'runc')
      throw new UsageError(`--container-runtime must be process or runc, not ${runtimeKind}`);
    const runtimeOptions = { rootDir: flags.str('root-dir'), cgroups, logger, onRelist: plegRelistObserver(metrics) };
    const runtime = runtimeKind === 'runc' ? createRuncRuntime(runtimeOptions) : new ProcessRuntime(runtimeOptions);
    const reader =
      statsKind === 'native' && !nativeCgroupStatsAvailable() ? createCgroupStatsReader('ts') : createCgroupStatsReader(statsKind);
    const stats = new StatsCollector(reader, cgroups);
    const eviction = evictionFlags(flags);
    const nc = await connectNats(flags.str('nats'), `skiff-kubelet-${nodeName}`, metrics, flags.str('kubeconfig'));
    const client = await apiClient(flags.str('apiserver'), `skiff-kubelet/${nodeName}`, flags.str('kubeconfig'));
    const kubelet = new Kubelet({
      client,
      nc,
      runtime,
      logger,
      metrics,
      stats,
      cgroups,
      podMaxPids,
      port: Number(flags.str('port')),
      host: flags.str('host'),
      stopPodsOnExit: flags.bool('stop-pods-on-exit'),
      resyncIntervalMs: Number(flags.str('sync-frequency')) * 1000,
      eviction,
      staticPodPath: flags.str('pod-manifest-path'),
      staticPodCheckIntervalMs: secondsFlag(flags, 'file-check-frequency'),
      node: {
        name: nodeName,
        address: flags.str('node-ip'),
        maxPods: Number(flags.str('max-pods')),
        reservedMilliCpu: milliCpu(flags.str('system-reserved-cpu')),
        reservedMemoryBytes: bytes(flags.str('system-reserved-memory')),
        dataDir: flags.str('root-dir'),
        labels: {},
      },
    });
    // Orphans of container processes come to the kubelet, which reaps them (runtime/subreaper.ts).
    const subreaper = nativeCgroupStatsAvailable() ? new Subreaper({ calls: loadNodeAgent(), logger }) : undefined;
    subreaper?.start();
    await kubelet.start();
    await untilSignal();
    logger.info('kubelet stopping');
    await kubelet.stop();
    subreaper?.stop();
    stats.close();
    reader.close();
    if (flags.bool('stop-pods-on-exit'))
      await cgroups.removeRoot().catch((err: unknown) => logger.warn({ err }, 'removing the cgroup root failed'));
    await nc.drain().catch(() => undefined);
    logger.info('kubelet stopped');
    return 0;
  },
};

/** A flag in seconds (fractions allowed), as milliseconds; a usage error otherwise. */
function secondsFlag(flags: ParsedFlags, name: string): number {
  const seconds = Number(flags.str(name));
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--${name} must be a number of seconds, not ${flags.str(name)}`);
  return Math.round(seconds * 1000);
}

/** `--eviction-hard`, `--housekeeping-interval`, `--eviction-pressure-transition-period`. */
function evictionFlags(flags: ParsedFlags): KubeletEvictionOptions {
  let thresholds;
  try {
    thresholds = parseEvictionThresholds(flags.str('eviction-hard'));
  } catch (err) {
    throw new UsageError(`--eviction-hard: ${err instanceof Error ? err.message : String(err)}`);
  }
  const housekeepingIntervalMs = secondsFlag(flags, 'housekeeping-interval');
  if (housekeepingIntervalMs === 0) throw new UsageError('--housekeeping-interval must be more than 0 seconds');
  return { thresholds, housekeepingIntervalMs, pressureTransitionPeriodMs: secondsFlag(flags, 'eviction-pressure-transition-period') };
}

function delayFlag(flags: ParsedFlags, name: string): DelayRange {
  try {
    return parseDelayRange(flags.str(name));
  } catch (err) {
    throw new UsageError(`--${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `--hollow N`: N simulated nodes; `/metrics` and `/healthz` on --host:--port (0: no server). */
async function runHollow(flags: ParsedFlags, count: number): Promise<number> {
  const heartbeat = flags.str('hollow-heartbeat');
  if (heartbeat !== 'auto' && heartbeat !== 'lease' && heartbeat !== 'node-status') {
    throw new UsageError(`--hollow-heartbeat must be auto, lease or node-status, not ${heartbeat}`);
  }
  for (const name of ['hollow-cpu', 'hollow-memory']) {
    if (!isQuantity(flags.str(name))) throw new UsageError(`--${name} must be a quantity, not ${flags.str(name)}`);
  }
  const pods = Number(flags.str('hollow-pods'));
  if (!Number.isInteger(pods) || pods < 0) throw new UsageError(`--hollow-pods must be a whole number, not ${flags.str('hollow-pods')}`);
  const startDelay = delayFlag(flags, 'hollow-start-delay-ms');
  const readyDelay = delayFlag(flags, 'hollow-ready-delay-ms');
  const logger = createLogger('hollow-kubelet');
  const metrics = createMetricsRegistry('hollow-kubelet');
  const server = await serveHealthAndMetrics(flags.str('host'), Number(flags.str('port')), metrics);
  const prefix = flags.str('hollow-prefix');
  const nc = await connectNats(flags.str('nats'), `skiff-hollow-kubelet-${prefix}`, metrics, flags.str('kubeconfig'));
  const client = await apiClient(flags.str('apiserver'), `skiff-hollow-kubelet/${prefix}`, flags.str('kubeconfig'));
  const fleet = new HollowFleet({
    client,
    nc,
    logger,
    metrics,
    count,
    prefix,
    heartbeat,
    startDelay,
    readyDelay,
    node: { cpu: flags.str('hollow-cpu'), memory: flags.str('hollow-memory'), pods },
  });
  await fleet.start();
  await untilSignal();
  logger.info(fleet.stats(), 'hollow fleet stopping');
  await fleet.stop();
  await nc.drain().catch(() => undefined);
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  return 0;
}
