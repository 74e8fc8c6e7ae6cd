// The scheduling framework with the new plugins at 5,000 nodes: median µs per pod for a
// whole scheduling cycle (PreFilter → Filter → PreScore → Score → selection) under the
// default profile, with the native core as the filter+score executor, with the TypeScript
// core in its place, and with every plugin in TypeScript (no core). Variants: plain pods on
// plain nodes; best-effort pods (every plugin but the core's skips: the core alone decides);
// nodes with labels and taints and pods with tolerations and preferred node affinity.
import { ClusterState, createSchedulerCore, defaultProfiles, Framework } from '@skiff/scheduler';
import { prng } from '../../packages/scheduler/dist/core/measure.js';
import { figure, table } from '../report.mjs';

const NODES = 5000;
const PODS = 200;
const RUNS = 5;

function node(rand, i, decorated) {
  const labels = { zone: `z${i % 3}` };
  const taints = [];
  if (decorated) {
    if (rand() < 0.3) labels.ssd = 'true';
    if (rand() < 0.2) taints.push({ key: 'dedicated', value: 'batch', effect: 'NoSchedule' });
    if (rand() < 0.3) taints.push({ key: 'spot', value: '', effect: 'PreferNoSchedule' });
  }
  return {
    metadata: { name: `node-${String(i).padStart(5, '0')}`, labels },
    spec: { taints },
    status: { allocatable: { cpu: String(4 + Math.floor(rand() * 60)), memory: `${8 + Math.floor(rand() * 248)}Gi`, pods: '110' } },
  };
}

function pod(rand, k, variant) {
  const requests =
    variant === 'best-effort' ? {} : { cpu: `${100 + Math.floor(rand() * 900)}m`, memory: `${128 + Math.floor(rand() * 900)}Mi` };
  const spec = { containers: [{ name: 'c', image: 'app', resources: { requests } }] };
  if (variant === 'taints+affinity') {
    spec.tolerations = [{ key: 'spot', operator: 'Exists' }];
    spec.affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
          { weight: 20, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
        ],
      },
    };
  }
  return { metadata: { name: `p${k}`, namespace: 'default' }, spec };
}

function build(kind, useCore, variant) {
  const rand = prng(42);
  const state = new ClusterState(createSchedulerCore(kind));
  for (let i = 0; i < NODES; i++) state.upsertNode(node(rand, i, variant === 'taints+affinity'));
  const framework = new Framework({ profile: defaultProfiles()[0], nodes: state.nodes, core: state.core, bind: async () => {}, useCore });
  const pods = Array.from({ length: PODS }, (_, k) => pod(rand, k, variant));
  return { state, framework, pods };
}

/** µs per pod for one run: every pod scheduled and assumed, as the scheduler does. */
function once(setup) {
  const t = performance.now();
  for (const p of setup.pods) {
    const r = setup.framework.schedulePod(p);
    if (r.kind === 'scheduled') setup.state.assume(p, r.nodeName);
  }
  return ((performance.now() - t) * 1000) / setup.pods.length;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const IMPLS = [
  ['native core', 'native', true],
  ['ts core', 'ts', true],
  ['all ts', 'ts', false],
];

export async function run() {
  const rows = [];
  for (const variant of ['plain', 'best-effort', 'taints+affinity']) {
    const samples = new Map(IMPLS.map(([name]) => [name, []]));
    for (let r = 0; r < RUNS; r++) {
      // Interleaved, fresh clusters each run, so noise hits every implementation alike.
      for (const [name, kind, useCore] of IMPLS) samples.get(name).push(once(build(kind, useCore, variant)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const row = { variant, nodes: NODES };
    for (const [name] of IMPLS) {
      const m = median(samples.get(name));
      row[`${name} µs/pod`] = m.toFixed(1);
      figure('scheduler-framework', `Cycle_${NODES}Nodes_${variant}_${name.replace(' ', '_')}`, m, 'us/pod');
    }
    row['all ts / native'] = (median(samples.get('all ts')) / median(samples.get('native core'))).toFixed(1);
    rows.push(row);
  }
  table(rows);
}
