/** `skiff scheduler`: the scheduler on its own. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KNOWN_PLUGINS, parseSchedulerConfiguration, Scheduler, type Profile } from '@skiff/scheduler';
import { createLogger, createMetricsRegistry } from '@skiff/telemetry';
import { parseFlags, untilSignal, UsageError, type CommandSpec } from '../flags.js';
import { apiClient, COMPONENT_KUBECONFIG_FLAG, connectNats, serveHealthAndMetrics } from './common.js';
import { runWhenLeader } from './leader.js';

export const schedulerCommand: CommandSpec = {
  name: 'scheduler',
  summary: 'Run the scheduler (filter and score in the native core)',
  flags: {
    nats: {
      type: 'string',
      default: 'nats://127.0.0.1:4222',
      help: 'NATS URL (tls://...: over TLS, with the --kubeconfig client certificate)',
    },
    apiserver: { type: 'string', default: 'http://127.0.0.1:6443', help: 'apiserver URL' },
    ...COMPONENT_KUBECONFIG_FLAG,
    host: { type: 'string', default: '127.0.0.1', help: 'address for /metrics and /healthz' },
    port: { type: 'string', default: '10259', help: 'port for /metrics and /healthz (0: none)' },
    core: { type: 'string', default: 'native', help: 'scoring core: native or ts' },
    'scheduler-name': { type: 'string', default: 'default-scheduler', help: 'pods with this schedulerName are ours' },
    config: { type: 'string', default: '', help: 'KubeSchedulerConfiguration file (YAML or JSON): profiles, plugins, pluginConfig' },
    'no-leader-elect': { type: 'boolean', default: false, help: 'schedule without holding the kube-system/kube-scheduler Lease' },
  },
  async run(argv) {
    const flags = parseFlags(schedulerCommand, argv);
    const core = flags.str('core');
    if (core !== 'native' && core !== 'ts') throw new UsageError(`--core must be native or ts, not ${core}`);
    const profiles = readProfiles(flags.str('config'));
    const logger = createLogger('scheduler');
    const metrics = createMetricsRegistry('scheduler');
    const server = await serveHealthAndMetrics(flags.str('host'), Number(flags.str('port')), metrics);
    const nc = await connectNats(flags.str('nats'), 'skiff-scheduler', metrics, flags.str('kubeconfig'));
    const client = await apiClient(flags.str('apiserver'), 'skiff-scheduler', flags.str('kubeconfig'));
    const scheduler = new Scheduler({ client, nc, logger, metrics, core, schedulerName: flags.str('scheduler-name'), profiles });
    const stop = await runWhenLeader({
      client,
      logger,
      lease: 'kube-scheduler',
      enabled: !flags.bool('no-leader-elect'),
      start: async () => {
        await scheduler.start();
        logger.info({ core }, 'scheduler started');
      },
      stop: () => scheduler.stop(),
    });
    await untilSignal();
    await stop();
    server?.close();
    await nc.drain().catch(() => undefined);
    return 0;
  },
};

/** The profiles of a configuration file, or undefined for the default profile. A bad file is a usage error. */
function readProfiles(file: string): Profile[] | undefined {
  if (file === '') return undefined;
  try {
    return parseSchedulerConfiguration(parseYaml(readFileSync(file, 'utf8')) as unknown, KNOWN_PLUGINS);
  } catch (err) {
    throw new UsageError(`--config ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
