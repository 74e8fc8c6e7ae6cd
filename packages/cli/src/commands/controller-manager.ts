/** `skiff controller-manager`: the controllers on their own. */
import { ControllerManager } from '@skiff/controller-manager';
import { createLogger, createMetricsRegistry } from '@skiff/telemetry';
import { parseFlags, untilSignal, type CommandSpec } from '../flags.js';
import { apiClient, COMPONENT_KUBECONFIG_FLAG, connectNats, serveHealthAndMetrics } from './common.js';
import { runWhenLeader } from './leader.js';

export const controllerManagerCommand: CommandSpec = {
  name: 'controller-manager',
  summary: 'Run the controllers',
  flags: {
    nats: { type: 'string', default: 'nats://127.0.0.1:4222', help: 'NATS URL' },
    apiserver: { type: 'string', default: 'http://127.0.0.1:6443', help: 'apiserver URL' },
    ...COMPONENT_KUBECONFIG_FLAG,
    host: { type: 'string', default: '127.0.0.1', help: 'address for /metrics and /healthz' },
    port: { type: 'string', default: '10257', help: 'port for /metrics and /healthz (0: none)' },
    'no-leader-elect': { type: 'boolean', default: false, help: 'run without holding the kube-system/kube-controller-manager Lease' },
  },
  async run(argv) {
    const flags = parseFlags(controllerManagerCommand, argv);
    const logger = createLogger('controller-manager');
    const metrics = createMetricsRegistry('controller-manager');
    const server = await serveHealthAndMetrics(flags.str('host'), Number(flags.str('port')), metrics);
    const nc = await connectNats(flags.str('nats'), 'skiff-controller-manager');
    const client = await apiClient(flags.str('apiserver'), 'skiff-controller-manager', flags.str('kubeconfig'));
    const cm = new ControllerManager({ client, nc, logger, metrics });
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
