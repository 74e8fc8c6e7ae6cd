/** `skiff kubelet`: the node agent for this machine. */
import os from 'node:os';
import { join } from 'node:path';
import {
  CgroupManager,
  createCgroupStatsReader,
  detectCgroupLayout,
  Kubelet,
  nativeCgroupStatsAvailable,
  ProcessRuntime,
  StatsCollector,
} from '@skiff/kubelet';
import { bytes, milliCpu } from '@skiff/api';
import { createLogger, createMetricsRegistry } from '@skiff/telemetry';
import { parseFlags, untilSignal, UsageError, type CommandSpec } from '../flags.js';
import { apiClient, connectNats } from './common.js';

export const kubeletCommand: CommandSpec = {
  name: 'kubelet',
  summary: 'Run the node agent: pods as processes in cgroups',
  flags: {
    nats: { type: 'string', default: 'nats://127.0.0.1:4222', help: 'NATS URL' },
    apiserver: { type: 'string', default: 'http://127.0.0.1:6443', help: 'apiserver URL' },
    'node-name': { type: 'string', default: os.hostname().toLowerCase(), help: 'name of this node' },
    'node-ip': { type: 'string', default: '127.0.0.1', help: 'address the apiserver reaches this kubelet on' },
    host: { type: 'string', default: '127.0.0.1', help: 'address the kubelet listens on' },
    port: { type: 'string', default: '10250', help: 'kubelet HTTP port (0: any free port)' },
    'root-dir': { type: 'string', default: join(os.homedir(), '.skiff', 'kubelet'), help: 'state directory (containers, logs)' },
    'cgroup-root': { type: 'string', default: 'skiff', help: 'cgroup under which pods are placed' },
    'max-pods': { type: 'string', default: '110', help: 'pods this node accepts' },
    'system-reserved-cpu': { type: 'string', default: '0', help: 'cpu reserved for the system (e.g. 500m)' },
    'system-reserved-memory': { type: 'string', default: '0', help: 'memory reserved for the system (e.g. 512Mi)' },
    stats: { type: 'string', default: 'native', help: 'cgroup statistics reader: native or ts' },
    'stop-pods-on-exit': { type: 'boolean', default: false, help: 'stop every container when the kubelet exits' },
    'sync-frequency': { type: 'string', default: '10', help: 'seconds between full pod resyncs' },
  },
  async run(argv) {
    const flags = parseFlags(kubeletCommand, argv);
    const statsKind = flags.str('stats');
    if (statsKind !== 'native' && statsKind !== 'ts') throw new UsageError(`--stats must be native or ts, not ${statsKind}`);
    const logger = createLogger('kubelet');
    if (process.getuid?.() !== 0) throw new Error('the kubelet must run as root (it creates cgroups)');
    const metrics = createMetricsRegistry('kubelet');
    const nodeName = flags.str('node-name');
    const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: flags.str('cgroup-root'), logger });
    const runtime = new ProcessRuntime({ rootDir: flags.str('root-dir'), cgroups, logger });
    const reader =
      statsKind === 'native' && !nativeCgroupStatsAvailable() ? createCgroupStatsReader('ts') : createCgroupStatsReader(statsKind);
    const stats = new StatsCollector(reader, cgroups);
    const nc = await connectNats(flags.str('nats'), `skiff-kubelet-${nodeName}`);
    const client = await apiClient(flags.str('apiserver'), `skiff-kubelet/${nodeName}`);
    const kubelet = new Kubelet({
      client,
      nc,
      runtime,
      logger,
      metrics,
      stats,
      port: Number(flags.str('port')),
      host: flags.str('host'),
      stopPodsOnExit: flags.bool('stop-pods-on-exit'),
      resyncIntervalMs: Number(flags.str('sync-frequency')) * 1000,
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
    await kubelet.start();
    await untilSignal();
    logger.info('kubelet stopping');
    await kubelet.stop();
    stats.close();
    reader.close();
    reader.close();
    if (flags.bool('stop-pods-on-exit'))
      await cgroups.removeRoot().catch((err: unknown) => logger.warn({ err }, 'removing the cgroup root failed'));
    await nc.drain().catch(() => undefined);
    return 0;
  },
};
