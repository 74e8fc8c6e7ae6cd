// `skiff capacity`'s simulation on a copy of a large cluster: median milliseconds to load the
// copy and place a shape until one fails (every placement a full filter+score over every node,
// accounted for the next), with the native core and its TypeScript twin. The cluster: N nodes
// of 16 cpu / 64Gi / 110 pods, each already holding 0-15 pods of 100m-1 cpu and 128Mi-2Gi; the
// shape is cpu=500m,memory=1Gi. Listing from the apiserver is not included.
import { parseShape, simulateCapacity } from '@skiff/cli';
import { figure, machine, table } from '../report.mjs';

const NODE_COUNTS = [1000, 5000];
const RUNS = 5;

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cluster(nodeCount) {
  const next = random(nodeCount);
  const nodes = [];
  const pods = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = `node-${String(i).padStart(5, '0')}`;
    const allocatable = { cpu: '16', memory: '64Gi', pods: '110' };
    nodes.push({ metadata: { name }, spec: {}, status: { capacity: allocatable, allocatable } });
    const held = Math.floor(next() * 16);
    for (let k = 0; k < held; k++) {
      const requests = { cpu: `${100 + Math.floor(next() * 900)}m`, memory: `${128 + Math.floor(next() * 1920)}Mi` };
      pods.push({
        metadata: { name: `${name}-${k}`, namespace: 'default' },
        spec: { nodeName: name, containers: [{ name: 'c', image: 'i', resources: { requests } }] },
        status: { phase: 'Running' },
      });
    }
  }
  return { nodes, pods };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run() {
  process.stdout.write(`capacity on ${machine()}; shape cpu=500m,memory=1Gi, median of ${RUNS} runs\n`);
  const shape = parseShape('cpu=500m,memory=1Gi');
  const rows = [];
  for (const nodeCount of NODE_COUNTS) {
    const { nodes, pods } = cluster(nodeCount);
    const row = { nodes: nodeCount, 'existing pods': pods.length };
    const medians = {};
    for (const core of ['native', 'ts']) {
      const times = [];
      let placed = 0;
      for (let r = 0; r < RUNS; r++) {
        const report = simulateCapacity(nodes, pods, { shape, core });
        times.push(report.simulationMs);
        placed = report.placed;
      }
      medians[core] = median(times);
      row['pods placed'] = placed;
      row[`${core} ms`] = medians[core].toFixed(0);
      figure('capacity', `Capacity_${nodeCount}Nodes_${core}`, medians[core], 'ms');
    }
    row['ts/native'] = (medians.ts / medians.native).toFixed(1);
    figure('capacity', `Capacity_${nodeCount}Nodes_speedup`, medians.ts / medians.native, 'x');
    rows.push(row);
  }
  table(rows);
}
