import { performance } from 'node:perf_hooks';

import {
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  type NodeResources,
  type NodeTaint,
  type PodRequests,
  type PodToleration,
  type SchedulerCore,
  type SchedulerCoreKind,
} from './contract.js';
import { NativeSchedulerCore } from './native-core.js';
import { TsSchedulerCore } from './ts-core.js';

/** Which call a measurement times. */
export type MeasuredCall = 'schedule' | 'scheduleBatch';

/**
 * One timing on a cluster of `nodes` nodes: the median cost per pod of `schedule()` (one call
 * per pod) or of `scheduleBatch()` (the run's pods in one call, each placement accounted).
 */
export interface CoreMeasurement {
  nodes: number;
  impl: SchedulerCoreKind;
  call: MeasuredCall;
  microsPerPod: number;
}

/** Options of {@link measureCores}. */
export interface MeasureOptions {
  /** Also time `scheduleBatch` (default false). */
  batch?: boolean;
  /**
   * Taints, labels, tolerations and node affinity (default false): 20% of the nodes dedicated
   * to one of 4 teams (NoSchedule), 30% spot (PreferNoSchedule), 2% NoExecute, each in one of
   * 3 zones and one of 4 pools; every pod tolerates its team (half also spot), requires two
   * of the zones and prefers a pool; TaintToleration and NodeAffinity scored at upstream's
   * default weights (3 and 2).
   */
  constraints?: boolean;
}

const TEAMS = ['a', 'b', 'c', 'd'];

/** A node's taints for the tainted cluster. */
function randomTaints(rand: () => number): NodeTaint[] {
  const taints: NodeTaint[] = [];
  if (rand() < 0.2) taints.push({ key: 'dedicated', value: pick(rand, TEAMS), effect: 'NoSchedule' });
  if (rand() < 0.3) taints.push({ key: 'spot', value: 'true', effect: 'PreferNoSchedule' });
  if (rand() < 0.02) taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' });
  return taints;
}

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const POOLS = ['general', 'compute', 'memory', 'batch'];

/** A pod's tolerations and node affinity for the constrained cluster. */
function randomConstraints(rand: () => number): Pick<PodRequests, 'tolerations' | 'nodeAffinity'> {
  const tolerations: PodToleration[] = [{ key: 'dedicated', operator: 'Equal', value: pick(rand, TEAMS), effect: 'NoSchedule' }];
  if (rand() < 0.5) tolerations.push({ key: 'spot', operator: 'Exists' });
  const skipped = pick(rand, ZONES);
  return {
    tolerations,
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ZONES.filter((z) => z !== skipped) }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 50, preference: { matchExpressions: [{ key: 'pool', operator: 'In', values: [pick(rand, POOLS)] }] } },
      ],
    },
  };
}

const RUNS = 5;
const GI = 1024 ** 3;
const MI = 1024 ** 2;

/** mulberry32: a small seeded PRNG, so every measurement sees the same cluster. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** A pod of one or two containers; a container without a request scores as 100m / 200Mi. */
function randomPod(rand: () => number): PodRequests {
  const containers = rand() < 0.8 ? 1 : 2;
  const pod = { milliCpu: 0, memoryBytes: 0, nonZeroMilliCpu: 0, nonZeroMemoryBytes: 0 };
  for (let c = 0; c < containers; c++) {
    const cpu = rand() < 0.1 ? 0 : 50 * (2 + Math.floor(rand() * 19)); // 100m..1000m
    const memory = rand() < 0.1 ? 0 : 64 * MI * (2 + Math.floor(rand() * 31)); // 128Mi..2Gi
    pod.milliCpu += cpu;
    pod.memoryBytes += memory;
    pod.nonZeroMilliCpu += cpu === 0 ? DEFAULT_MILLI_CPU_REQUEST : cpu;
    pod.nonZeroMemoryBytes += memory === 0 ? DEFAULT_MEMORY_REQUEST : memory;
  }
  return pod;
}

/** The cluster: N nodes of a few machine shapes, 2% cordoned, each running 0..4 pods. */
function randomCluster(nodeCount: number, rand: () => number): { nodes: NodeResources[]; pods: Array<[string, PodRequests]> } {
  const nodes: NodeResources[] = [];
  const pods: Array<[string, PodRequests]> = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = `node-${String(i).padStart(6, '0')}`;
    nodes.push({
      name,
      allocatableMilliCpu: pick(rand, [4000, 8000, 16000, 32000]),
      allocatableMemoryBytes: pick(rand, [16, 32, 64, 128]) * GI,
      allocatablePods: 110,
      unschedulable: rand() < 0.02,
    });
    const running = Math.floor(rand() * 5);
    for (let p = 0; p < running; p++) pods.push([name, randomPod(rand)]);
  }
  return { nodes, pods };
}

function build(core: SchedulerCore, cluster: ReturnType<typeof randomCluster>): SchedulerCore {
  for (const node of cluster.nodes) core.upsertNode(node);
  for (const [nodeName, pod] of cluster.pods) core.addPod(nodeName, pod);
  return core;
}

/** Schedules every pod once; returns µs per pod. */
function timeRun(core: SchedulerCore, pods: readonly PodRequests[]): number {
  let sink = 0;
  const start = performance.now();
  for (const pod of pods) sink += core.schedule(pod).score;
  const elapsed = performance.now() - start;
  if (sink < 0) throw new Error('unreachable: scores are never negative');
  return (elapsed * 1000) / pods.length;
}

/**
 * Schedules the pods in one `scheduleBatch` call; returns µs per pod. Then (untimed) removes
 * the pods the batch accounted, so every run sees the same cluster.
 */
function timeBatch(core: SchedulerCore, pods: readonly PodRequests[]): number {
  const start = performance.now();
  const results = core.scheduleBatch(pods);
  const elapsed = performance.now() - start;
  results.forEach((result, k) => {
    if (result.nodeName !== null) core.removePod(result.nodeName, pods[k]!);
  });
  return (elapsed * 1000) / pods.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Times `schedule()` (and, with `options.batch`, `scheduleBatch()`) in both implementations.
 * For each N in `nodeCounts`, builds the same seeded random cluster of N nodes (each with a
 * few pods accounted) in the native and the TypeScript core, then schedules the same
 * `podsPerRun` random pods (`schedule` without binding them; `scheduleBatch` accounts them,
 * and they are removed after each run, so every run sees the same cluster): one warm-up run,
 * then {@link RUNS} timed runs per implementation and call, interleaved; reports the median µs
 * per pod. Yields to the event loop between runs. Throws when the native addon is not built.
 * With `options.constraints`, the nodes carry taints and labels, the pods tolerations and
 * node affinity.
 */
export async function measureCores(nodeCounts: number[], podsPerRun: number, options: MeasureOptions = {}): Promise<CoreMeasurement[]> {
  if (!Number.isInteger(podsPerRun) || podsPerRun < 1) {
    throw new RangeError(`podsPerRun must be a positive integer, got ${podsPerRun}`);
  }
  const results: CoreMeasurement[] = [];
  for (const nodeCount of nodeCounts) {
    if (!Number.isInteger(nodeCount) || nodeCount < 0) {
      throw new RangeError(`node counts must be non-negative integers, got ${nodeCount}`);
    }
    const rand = prng(0x5eed ^ nodeCount);
    const cluster = randomCluster(nodeCount, rand);
    let pods = Array.from({ length: podsPerRun }, () => randomPod(rand));
    if (options.constraints === true) {
      cluster.nodes = cluster.nodes.map((node) => ({
        ...node,
        taints: randomTaints(rand),
        labels: { zone: pick(rand, ZONES), pool: pick(rand, POOLS) },
      }));
      pods = pods.map((pod) => ({ ...pod, ...randomConstraints(rand) }));
    }
    const cores: Array<[SchedulerCoreKind, SchedulerCore]> = [
      ['native', build(new NativeSchedulerCore(), cluster)],
      ['ts', build(new TsSchedulerCore(), cluster)],
    ];
    if (options.constraints === true) {
      const weights = { leastAllocatedWeight: 1, balancedAllocationWeight: 0, taintTolerationWeight: 3, nodeAffinityWeight: 2 };
      for (const [, core] of cores) core.configureScoring(weights);
    }
    const calls: Array<[MeasuredCall, (core: SchedulerCore, pods: readonly PodRequests[]) => number]> = [['schedule', timeRun]];
    if (options.batch === true) calls.push(['scheduleBatch', timeBatch]);
    for (const [call, time] of calls) {
      const samples = new Map<SchedulerCoreKind, number[]>(cores.map(([kind]) => [kind, []]));
      for (const [, core] of cores) time(core, pods); // warm-up (JIT, caches)
      for (let run = 0; run < RUNS; run++) {
        for (const [kind, core] of cores) {
          await yieldToEventLoop();
          samples.get(kind)!.push(time(core, pods));
        }
      }
      for (const [kind] of cores) {
        results.push({ nodes: nodeCount, impl: kind, call, microsPerPod: median(samples.get(kind)!) });
      }
    }
  }
  return results;
}
