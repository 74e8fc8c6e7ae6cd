/** `skiff pods latency [selector]`: where each pod's create→Ready time went. */
import { PODS, type Pod } from '@skiff/api';
import { phaseTable, waterfall } from '../latency.js';
import { parseFlags, UsageError, type CommandSpec } from '../flags.js';
import { clientFromFlags, TARGET_FLAGS } from './target.js';

export const podsCommand: CommandSpec = {
  name: 'pods',
  summary: 'Pod lifecycle latency: `skiff pods latency [label selector]`',
  flags: {
    ...TARGET_FLAGS,
    'all-namespaces': { type: 'boolean', default: false, help: 'every namespace' },
    'max-rows': { type: 'string', default: '40', help: 'pods shown in the waterfall' },
  },
  async run(argv) {
    const flags = parseFlags(podsCommand, argv);
    const [sub, selector] = flags.positionals;
    if (sub !== 'latency') throw new UsageError('usage: skiff pods latency [label selector]');
    const { client, namespace: defaultNamespace } = clientFromFlags(flags);
    const namespace = flags.bool('all-namespaces') ? undefined : defaultNamespace;
    const list = await client.list<Pod>(PODS, { namespace, labelSelector: selector });
    const pods = list.items.sort((a, b) =>
      String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')),
    );
    if (pods.length === 0) {
      process.stdout.write('no pods\n');
      return 0;
    }
    const shown = pods.slice(-Number(flags.str('max-rows')));
    process.stdout.write([...waterfall(shown), '', ...phaseTable(pods), ''].join('\n'));
    return 0;
  },
};
