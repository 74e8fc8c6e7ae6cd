/** `skiff apiserver`: the API server on its own. */
import { startApiServer } from '@skiff/apiserver';
import { createLogger } from '@skiff/telemetry';
import { parseFlags, untilSignal, type CommandSpec } from '../flags.js';

export const apiserverCommand: CommandSpec = {
  name: 'apiserver',
  summary: 'Run the API server (the only component that touches storage)',
  flags: {
    nats: { type: 'string', default: 'nats://127.0.0.1:4222', help: 'NATS URL' },
    host: { type: 'string', default: '127.0.0.1', help: 'address to listen on' },
    port: { type: 'string', default: '6443', help: 'HTTP port' },
  },
  async run(argv) {
    const flags = parseFlags(apiserverCommand, argv);
    const logger = createLogger('apiserver');
    const server = await startApiServer({ natsUrl: flags.str('nats'), host: flags.str('host'), port: Number(flags.str('port')), logger });
    await untilSignal();
    logger.info('apiserver stopping');
    await server.stop();
    return 0;
  },
};
