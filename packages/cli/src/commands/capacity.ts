/**
 * `skiff capacity --shape cpu=500m,memory=1Gi [--count N] [--node-selector k=v] [-o json]`:
 * how many more pods of a shape fit now and where, by the scheduler's own core on a copy of
 * the cluster (nodes and pods listed from the apiserver).
 */
import { NODES, PODS, type Node, type Pod } from '@skiff/api';
import { formatCapacityJson, formatCapacityText, parseNodeSelector, parseShape, simulateCapacity } from '../capacity/index.js';
import { parseFlags, UsageError, type CommandSpec } from '../flags.js';
import { clientFromFlags, TARGET_FLAGS } from './target.js';

/** The largest `--count` accepted (the simulation holds one result per pod). */
const MAX_COUNT = 1_000_000;

function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > MAX_COUNT) {
    throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT}, not "${text}"`);
  }
  return n;
}

export const capacityCommand: CommandSpec = {
  name: 'capacity',
  summary: 'How many more pods of a shape fit, and where: `skiff capacity --shape cpu=500m,memory=1Gi`',
  flags: {
    ...TARGET_FLAGS,
    shape: { type: 'string', help: 'the pod: cpu=..,memory=..[,ephemeral-storage=..][,pods=..] (requests)' },
    count: { type: 'string', help: 'place exactly this many and say whether they fit' },
    'node-selector': { type: 'string', help: 'only nodes with these labels: k=v[,k2=v2]' },
    core: { type: 'string', default: 'native', help: 'scheduler core: native (Rust) or ts (its TypeScript twin)' },
    output: { type: 'string', default: 'text', help: 'text or json (-o json)' },
    'max-nodes': { type: 'string', default: '20', help: 'nodes listed in the text report' },
  },
  async run(argv) {
    // `-o json` as kubectl spells it.
    const args = argv.map((a, i) => (a === '-o' && i + 1 < argv.length ? '--output' : a));
    const flags = parseFlags(capacityCommand, args);
    if (!flags.has('shape')) throw new UsageError('--shape is required, e.g. --shape cpu=500m,memory=1Gi');
    const shape = parseShape(flags.str('shape'));
    const core = flags.str('core');
    if (core !== 'native' && core !== 'ts') throw new UsageError(`--core must be native or ts, not "${core}"`);
    const output = flags.str('output');
    if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, not "${output}"`);
    const count = flags.has('count') ? parseCount(flags.str('count')) : undefined;
    const nodeSelector = flags.has('node-selector') ? parseNodeSelector(flags.str('node-selector')) : {};
    const { client } = clientFromFlags(flags);
    const [nodes, pods] = await Promise.all([client.list<Node>(NODES), client.list<Pod>(PODS)]);
    const report = simulateCapacity(nodes.items, pods.items, { shape, core, nodeSelector, ...(count === undefined ? {} : { count }) });
    process.stdout.write(output === 'json' ? formatCapacityJson(report) : formatCapacityText(report, Number(flags.str('max-nodes')) || 20));
    return 0;
  },
};
