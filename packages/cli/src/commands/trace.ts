/** `skiff trace pod/<name>`: the pod's trace id and a link for the tracing backend. */
import { PODS, type Pod } from '@skiff/api';
import { TRACEPARENT_ANNOTATION } from '@skiff/telemetry';
import { parseFlags, UsageError, type CommandSpec } from '../flags.js';
import { clientFromFlags, TARGET_FLAGS } from './target.js';

export const traceCommand: CommandSpec = {
  name: 'trace',
  summary: "Print a pod's trace id: `skiff trace pod/<name>`",
  flags: {
    ...TARGET_FLAGS,
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
    const { client, namespace: defaultNamespace } = clientFromFlags(flags);
    const pod = await client.get<Pod>(PODS, defaultNamespace, m[1] ?? '');
    const tp = pod.metadata?.annotations?.[TRACEPARENT_ANNOTATION];
    if (tp === undefined) throw new Error(`pod ${m[1] ?? ''} carries no trace context (annotation ${TRACEPARENT_ANNOTATION})`);
    const traceId = tp.split('-')[1] ?? '';
    process.stdout.write(`trace ${traceId}\n${flags.str('ui-url')}${traceId}\n`);
    return 0;
  },
};
