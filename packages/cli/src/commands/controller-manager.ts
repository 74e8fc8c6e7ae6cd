/** `skiff controller-manager`: the controllers on their own. */
import { readFileSync } from 'node:fs';
import { ControllerManager } from '@skiff/controller-manager';
import { createLogger, createMetricsRegistry } from '@skiff/telemetry';
import { UsageError, parseFlags, untilSignal, type CommandSpec, type ParsedFlags } from '../flags.js';
import { apiClient, COMPONENT_KUBECONFIG_FLAG, connectNats, serveHealthAndMetrics } from './common.js';
import { runWhenLeader } from './leader.js';

/** A Go-style duration (`40s`, `500ms`, `1m30s`) in milliseconds. */
export function parseDurationMs(text: string, flag: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not a duration (like 40s, 500ms, 1m30s)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (units[p[2] ?? ''] ?? 0), 0);
}

function nonNegative(flags: ParsedFlags, flag: string): number {
  const n = Number(flags.str(flag));
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag}: ${JSON.stringify(flags.str(flag))} is not a number >= 0`);
  return n;
}

export const controllerManagerCommand: CommandSpec = {
  name: 'controller-manager',
  summary: 'Run the controllers',
  flags: {
    nats: {
      type: 'string',
      default: 'nats://127.0.0.1:4222',
      help: 'NATS URL (tls://...: over TLS, with the --kubeconfig client certificate)',
    },
    apiserver: { type: 'string', default: 'http://127.0.0.1:6443', help: 'apiserver URL' },
    ...COMPONENT_KUBECONFIG_FLAG,
    host: { type: 'string', default: '127.0.0.1', help: 'address for /metrics and /healthz' },
    port: { type: 'string', default: '10257', help: 'port for /metrics and /healthz (0: none)' },
    'root-ca-file': { type: 'string', default: '', help: 'cluster CA published to every namespace as ConfigMap kube-root-ca.crt' },
    'no-leader-elect': { type: 'boolean', default: false, help: 'run without holding the kube-system/kube-controller-manager Lease' },
    // Defaults may come from the environment so that `skiff up` (which passes its environment on) can shorten them in tests.
    'node-monitor-period': {
      type: 'string',
      default: process.env['SKIFF_NODE_MONITOR_PERIOD'] ?? '5s',
      help: 'how often node health is checked (env SKIFF_NODE_MONITOR_PERIOD)',
    },
    'node-monitor-grace-period': {
      type: 'string',
      default: process.env['SKIFF_NODE_MONITOR_GRACE_PERIOD'] ?? '40s',
      help: 'heartbeat silence after which a node is Unknown (env SKIFF_NODE_MONITOR_GRACE_PERIOD)',
    },
    'node-startup-grace-period': { type: 'string', default: '60s', help: 'the same for a node that never reported Ready' },
    'node-eviction-rate': { type: 'string', default: '0.1', help: 'nodes per second tainted NoExecute in a healthy zone' },
    'secondary-node-eviction-rate': { type: 'string', default: '0.01', help: 'nodes per second in a partially disrupted large zone' },
    'unhealthy-zone-threshold': { type: 'string', default: '0.55', help: 'fraction of not-Ready nodes making a zone partially disrupted' },
    'large-cluster-size-threshold': { type: 'string', default: '50', help: 'zones up to this size stop evicting when partially disrupted' },
  },
  async run(argv) {
    const flags = parseFlags(controllerManagerCommand, argv);
    const lifecycle = {
      nodeMonitorPeriodMs: parseDurationMs(flags.str('node-monitor-period'), 'node-monitor-period'),
      nodeMonitorGracePeriodMs: parseDurationMs(flags.str('node-monitor-grace-period'), 'node-monitor-grace-period'),
      nodeStartupGracePeriodMs: parseDurationMs(flags.str('node-startup-grace-period'), 'node-startup-grace-period'),
      evictionRates: {
        evictionRate: nonNegative(flags, 'node-eviction-rate'),
        secondaryEvictionRate: nonNegative(flags, 'secondary-node-eviction-rate'),
        unhealthyZoneThreshold: nonNegative(flags, 'unhealthy-zone-threshold'),
        largeClusterThreshold: nonNegative(flags, 'large-cluster-size-threshold'),
      },
    };
    const logger = createLogger('controller-manager');
    const metrics = createMetricsRegistry('controller-manager');
    const server = await serveHealthAndMetrics(flags.str('host'), Number(flags.str('port')), metrics);
    const nc = await connectNats(flags.str('nats'), 'skiff-controller-manager', metrics, flags.str('kubeconfig'));
    const client = await apiClient(flags.str('apiserver'), 'skiff-controller-manager', flags.str('kubeconfig'));
    const rootCaFile = flags.str('root-ca-file');
    const rootCaPem = rootCaFile === '' ? undefined : readFileSync(rootCaFile, 'utf8');
    const cm = new ControllerManager({ client, nc, logger, metrics, ...lifecycle, ...(rootCaPem === undefined ? {} : { rootCaPem }) });
    const stop = await runWhenLeader({
      client,
      logger,
      lease: 'kube-controller-manager',
      enabled: !flags.bool('no-leader-elect'),
      start: () => cm.start(),
      stop: () => cm.stop(),
    });
    await untilSignal();
    await stop();
    server?.close();
    await nc.drain().catch(() => undefined);
    return 0;
  },
};
