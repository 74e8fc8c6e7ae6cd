/** `skiff apiserver`: the API server on its own. */
import { startApiServer } from '@skiff/apiserver';
import { createLogger } from '@skiff/telemetry';
import { parseFlags, untilSignal, UsageError, type CommandSpec } from '../flags.js';

export const apiserverCommand: CommandSpec = {
  name: 'apiserver',
  summary: 'Run the API server (the only component that touches storage)',
  flags: {
    nats: { type: 'string', default: 'nats://127.0.0.1:4222', help: 'NATS URL (tls://... for a server that requires TLS)' },
    'nats-ca-file': { type: 'string', default: '', help: "CA of the NATS server's certificate (PEM)" },
    'nats-cert-file': {
      type: 'string',
      default: '',
      help: 'client certificate towards NATS (PEM); with it a secure apiserver attributes requests over NATS to the identity their subject names',
    },
    'nats-key-file': { type: 'string', default: '', help: 'key of --nats-cert-file (PEM)' },
    host: { type: 'string', default: '127.0.0.1', help: 'address to listen on' },
    port: { type: 'string', default: '6443', help: 'HTTP(S) port' },
    'tls-cert-file': {
      type: 'string',
      default: '',
      help: 'serving certificate (PEM); with it the apiserver serves HTTPS and authenticates and authorizes every request',
    },
    'tls-private-key-file': {
      type: 'string',
      default: '',
      help: 'serving key (PEM); reloaded with the certificate when either file changes',
    },
    'client-ca-file': { type: 'string', default: '', help: 'CA that signs client certificates (x509 authentication)' },
    'token-auth-file': { type: 'string', default: '', help: 'static bearer tokens, CSV: token,user,uid,"group1,group2"' },
    'max-requests-inflight': { type: 'string', default: '400', help: 'concurrent non-mutating requests (watches exempt); past it 429' },
    'max-mutating-requests-inflight': { type: 'string', default: '200', help: 'concurrent mutating requests; past it 429' },
    'audit-log-path': { type: 'string', default: '', help: 'write audit events (JSON lines) to this file' },
    'audit-policy-file': { type: 'string', default: '', help: 'audit.k8s.io/v1 Policy (default: every request at Metadata)' },
    'service-account-key-file': {
      type: 'string',
      default: '',
      help: 'PEM private key (P-256 or RSA) that signs and verifies ServiceAccount tokens',
    },
  },
  async run(argv) {
    const flags = parseFlags(apiserverCommand, argv);
    const logger = createLogger('apiserver');
    const certFile = flags.str('tls-cert-file');
    if (certFile !== '' && (flags.str('tls-private-key-file') === '' || flags.str('client-ca-file') === ''))
      throw new UsageError('--tls-cert-file needs --tls-private-key-file and --client-ca-file');
    const optional = (flag: string): string | undefined => (flags.str(flag) === '' ? undefined : flags.str(flag));
    const tokenAuthFile = optional('token-auth-file');
    const serviceAccountKeyFile = optional('service-account-key-file');
    const security =
      certFile === ''
        ? undefined
        : {
            tls: { certFile, keyFile: flags.str('tls-private-key-file'), clientCaFile: flags.str('client-ca-file') },
            ...(tokenAuthFile === undefined ? {} : { tokenAuthFile }),
            ...(serviceAccountKeyFile === undefined ? {} : { serviceAccountKeyFile }),
            maxRequestsInflight: Number(flags.str('max-requests-inflight')),
            maxMutatingRequestsInflight: Number(flags.str('max-mutating-requests-inflight')),
            ...(optional('audit-log-path') === undefined ? {} : { auditLogPath: flags.str('audit-log-path') }),
            ...(optional('audit-policy-file') === undefined ? {} : { auditPolicyFile: flags.str('audit-policy-file') }),
          };
    const natsCertFile = flags.str('nats-cert-file');
    if (natsCertFile !== '' && (flags.str('nats-key-file') === '' || flags.str('nats-ca-file') === ''))
      throw new UsageError('--nats-cert-file needs --nats-key-file and --nats-ca-file');
    const server = await startApiServer({
      natsUrl: flags.str('nats'),
      ...(natsCertFile === ''
        ? {}
        : { natsTls: { caFile: flags.str('nats-ca-file'), certFile: natsCertFile, keyFile: flags.str('nats-key-file') } }),
      host: flags.str('host'),
      port: Number(flags.str('port')),
      logger,
      ...(security === undefined ? {} : { security }),
    });
    await untilSignal();
    logger.info('apiserver stopping');
    await server.stop();
    return 0;
  },
};
