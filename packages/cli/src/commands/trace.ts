/** `skiff trace pod/<name>`: the pod's trace id and a link for the tracing backend. */
import { PODS, type Pod } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { TRACEPARENT_ANNOTATION } from '@skiff/telemetry';
import { parseFlags, UsageError, type CommandSpec } from '../flags.js';
import { defaultKubeconfig, readKubeconfig } from './target.js';

export const traceCommand: CommandSpec = {
  name: 'trace',
  summary: "Print a pod's trace id: `skiff trace pod/<name>`",
  flags: {
    apiserver: { type: 'string', help: 'apiserver URL (default: from the kubeconfig)' },
    kubeconfig: { type: 'string', help: 'kubeconfig (default $KUBECONFIG or ~/.skiff/kubeconfig)' },
    namespace: { type: 'string', help: 'namespace (default: the kubeconfig context namespace)' },
    'ui-url': {
      type: 'string',
      default: process.env['SKIFF_TRACE_UI'] ?? 'http://127.0.0.1:16686/trace/',
      help: 'prefix of a trace link (Jaeger-style)',
    },
  },
  async run(argv) {
    const flags = parseFlags(traceCommand, argv);
    const [ref] = flags.positionals;
    const m = /^(?:pods?\/)?([a-z0-9.-]+)$/.exec(ref ?? '');
    if (m === null) throw new UsageError('usage: skiff trace pod/<name>');
    const target = flags.has('apiserver')
      ? { server: flags.str('apiserver'), namespace: 'default' }
      : readKubeconfig(flags.has('kubeconfig') ? flags.str('kubeconfig') : defaultKubeconfig());
    const client = new ApiClient({ server: target.server, userAgent: 'skiff-cli', retryForMs: 2000 });
    const pod = await client.get<Pod>(PODS, flags.has('namespace') ? flags.str('namespace') : target.namespace, m[1] ?? '');
    const tp = pod.metadata?.annotations?.[TRACEPARENT_ANNOTATION];
    if (tp === undefined) throw new Error(`pod ${m[1] ?? ''} carries no trace context (annotation ${TRACEPARENT_ANNOTATION})`);
    const traceId = tp.split('-')[1] ?? '';
    process.stdout.write(`trace ${traceId}\n${flags.str('ui-url')}${traceId}\n`);
    return 0;
  },
};
