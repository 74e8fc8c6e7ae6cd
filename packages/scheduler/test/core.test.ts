import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import {
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  NativeSchedulerCore,
  TsSchedulerCore,
  createSchedulerCore,
  isNativeSchedulerCoreAvailable,
  type NodeResources,
  type PodRequests,
  type ScheduleResult,
  type SchedulerCore,
  type SchedulerCoreKind,
  type ScoringWeights,
} from '../src/core/index.js';
import { emptyScheduleReasons, type NodeSelectorTerm, type NodeTaint, type PodToleration } from '../src/core/contract.js';
import type { NativeBinding } from '../src/core/native-core.js';
import type { RequirementLike } from '../src/plugins/node-selector.js';

const MI = 1024 ** 2;
const GI = 1024 ** 3;

function node(name: string, cpu: number, memory: number, pods = 110, unschedulable = false): NodeResources {
  return {
    name,
    allocatableMilliCpu: cpu,
    allocatableMemoryBytes: memory,
    allocatablePods: pods,
    unschedulable,
  };
}

/** A one-container pod; a missing (0) request scores as 100m / 200Mi. */
function pod(cpu: number, memory: number): PodRequests {
  return {
    milliCpu: cpu,
    memoryBytes: memory,
    nonZeroMilliCpu: cpu === 0 ? DEFAULT_MILLI_CPU_REQUEST : cpu,
    nonZeroMemoryBytes: memory === 0 ? DEFAULT_MEMORY_REQUEST : memory,
  };
}

function noReasons(): ScheduleResult['reasons'] {
  return emptyScheduleReasons();
}

const kinds: SchedulerCoreKind[] = ['ts', 'native'];

describe('native addon', () => {
  it('is built and loads', () => {
    expect(isNativeSchedulerCoreAvailable()).toBe(true);
    expect(createSchedulerCore('native')).toBeInstanceOf(NativeSchedulerCore);
    expect(createSchedulerCore('ts')).toBeInstanceOf(TsSchedulerCore);
    expect(['avx2', 'baseline']).toContain(new NativeSchedulerCore().kernel);
  });
});

describe.each(kinds)('%s core', (kind) => {
  const make = (): SchedulerCore => createSchedulerCore(kind);

  describe('filters', () => {
    it('rejects an unschedulable node with that reason only', () => {
      const core = make();
      // Also too small and full: none of that is counted once the node is cordoned.
      core.upsertNode(node('cordoned', 10, 10, 0, true));
      const result = core.schedule(pod(1000, GI));
      expect(result).toEqual({
        nodeName: null,
        score: 0,
        feasibleNodes: 0,
        reasons: { ...noReasons(), unschedulable: 1 },
      });
    });

    it('rejects a node holding allocatablePods pods (podCount + 1 > allocatablePods)', () => {
      const core = make();
      core.upsertNode(node('n', 4000, 8 * GI, 2));
      core.addPod('n', pod(100, MI));
      expect(core.schedule(pod(100, MI)).nodeName).toBe('n'); // 1 + 1 <= 2
      core.addPod('n', pod(100, MI));
      const result = core.schedule(pod(0, 0)); // even a pod without requests
      expect(result.nodeName).toBeNull();
      expect(result.reasons).toEqual({ ...noReasons(), tooManyPods: 1 });
      const zeroPods = make();
      zeroPods.upsertNode(node('z', 4000, 8 * GI, 0));
      expect(zeroPods.schedule(pod(0, 0)).reasons.tooManyPods).toBe(1);
    });

    it('checks cpu against allocatable minus requested, with the exact fit allowed', () => {
      const core = make();
      core.upsertNode(node('n', 1000, 8 * GI));
      core.addPod('n', pod(400, 0));
      expect(core.schedule(pod(600, MI)).nodeName).toBe('n');
      const result = core.schedule(pod(601, MI));
      expect(result.nodeName).toBeNull();
      expect(result.reasons).toEqual({ ...noReasons(), insufficientCpu: 1 });
    });

    it('checks memory against allocatable minus requested, with the exact fit allowed', () => {
      const core = make();
      core.upsertNode(node('n', 1000, GI));
      core.addPod('n', pod(0, 256 * MI));
      expect(core.schedule(pod(10, 768 * MI)).nodeName).toBe('n');
      const result = core.schedule(pod(10, 768 * MI + 1));
      expect(result.nodeName).toBeNull();
      expect(result.reasons).toEqual({ ...noReasons(), insufficientMemory: 1 });
    });

    it('uses real requests, not the non-zero ones, and skips the check for a zero request', () => {
      const core = make();
      // Over-committed already: requested exceeds allocatable.
      core.upsertNode(node('n', 1000, GI));
      core.addPod('n', pod(1500, 2 * GI));
      expect(core.schedule(pod(0, 0)).nodeName).toBe('n');
      expect(core.schedule(pod(1, 0)).reasons.insufficientCpu).toBe(1);
      expect(core.schedule(pod(0, 1)).reasons.insufficientMemory).toBe(1);
      // nonZero (100m / 200Mi) would not fit on a 50m / 100Mi node, but real requests of 0 do.
      const tiny = make();
      tiny.upsertNode(node('tiny', 50, 100 * MI));
      expect(tiny.schedule(pod(0, 0))).toEqual({
        nodeName: 'tiny',
        score: 0, // both resources: requested (non-zero) > allocatable → 0
        feasibleNodes: 1,
        reasons: noReasons(),
      });
    });

    it('counts every failing resource of a node and sums reasons over nodes', () => {
      const core = make();
      core.upsertNode(node('all-three', 100, MI, 0));
      core.upsertNode(node('cpu', 100, 10 * GI));
      core.upsertNode(node('memory', 10_000, MI));
      core.upsertNode(node('cordoned', 0, 0, 0, true));
      core.upsertNode(node('ok', 10_000, 10 * GI));
      const result = core.schedule(pod(200, 2 * MI));
      expect(result.nodeName).toBe('ok');
      expect(result.feasibleNodes).toBe(1);
      expect(result.reasons).toEqual({
        unschedulable: 1,
        tooManyPods: 1,
        insufficientCpu: 2,
        insufficientMemory: 2,
        untoleratedTaint: 0,
        nodeAffinity: 0,
      });
    });
  });

  describe('least-allocated score', () => {
    it('is floor((cpuScore + memoryScore) / 2) of floor((alloc - requested) * 100 / alloc)', () => {
      const core = make();
      core.upsertNode(node('n', 4000, 8 * GI));
      core.addPod('n', pod(1000, GI));
      // pod without requests: cpu (4000 - 1100) * 100 / 4000 = 72.5 → 72;
      // memory (8Gi - 1Gi - 200Mi) * 100 / 8Gi = 85.05 → 85; (72 + 85) / 2 = 78.5 → 78.
      expect(core.schedule(pod(0, 0)).score).toBe(78);
      // cpu (4000 - 1000 - 1000) * 100 / 4000 = 50, memory (8 - 1 - 3) * 100 / 8 = 50
      expect(core.schedule(pod(1000, 3 * GI)).score).toBe(50);
      // cpu 1/3 free → 33.3 → 33; memory (8 - 1 - 1) / 8 → 75; (33 + 75) / 2 = 54
      const thirds = make();
      thirds.upsertNode(node('t', 3000, 8 * GI));
      thirds.addPod('t', pod(1000, GI));
      expect(thirds.schedule(pod(1000, GI)).score).toBe(54);
    });

    it('counts existing pods by their non-zero requests', () => {
      const core = make();
      core.upsertNode(node('n', 1000, 2000 * MI));
      core.addPod('n', pod(0, 0)); // scores as 100m / 200Mi
      // cpu (1000 - 100 - 100) * 100 / 1000 = 80; memory (2000 - 400) / 2000 → 80
      expect(core.schedule(pod(0, 0)).score).toBe(80);
    });

    it('scores a resource 0 when allocatable is 0 or requested exceeds allocatable', () => {
      const core = make();
      core.upsertNode(node('no-cpu', 0, 8 * GI));
      // cpu 0 (allocatable 0), memory (8Gi - 200Mi) / 8Gi → 97; (0 + 97) / 2 = 48
      expect(core.schedule(pod(0, 0))).toEqual({
        nodeName: 'no-cpu',
        score: 48,
        feasibleNodes: 1,
        reasons: noReasons(),
      });
      const over = make();
      over.upsertNode(node('over', 1000, GI));
      over.addPod('over', pod(0, GI)); // memory fully requested
      // memory: GI + 200Mi > GI → 0; cpu (1000 - 200) / 1000 → 80; 40
      expect(over.schedule(pod(0, 0)).score).toBe(40);
    });

    it('is exact for memory up to 2^50', () => {
      const core = make();
      const big = 2 ** 50;
      core.upsertNode(node('big', 1000, big));
      core.addPod('big', pod(0, big / 4 - 1));
      // memory: requested = 2^48 - 1 + 2^48 + 1 = 2^49 → 50; cpu (1000 - 200) → 80; 65
      expect(core.schedule(pod(0, 2 ** 48 + 1)).score).toBe(65);
      // Around a score boundary, past 2^53 in the intermediate product (the TS twin's BigInt
      // path): the smallest free memory that scores 67, and one byte less (66).
      const boundary = Number((67n * 2n ** 50n + 99n) / 100n);
      const edge = make();
      edge.upsertNode(node('e', 1100, big));
      const existing = pod(100, big - boundary - DEFAULT_MEMORY_REQUEST);
      edge.addPod('e', existing);
      // cpu (1100 - 200) * 100 / 1100 = 81.8 → 81; memory 67 → floor(148 / 2) = 74
      expect(edge.scoreAll(pod(100, 0))).toEqual(new Float64Array([74]));
      edge.removePod('e', existing);
      edge.addPod('e', pod(100, big - boundary - DEFAULT_MEMORY_REQUEST + 1));
      // memory 66 → floor(147 / 2) = 73
      expect(edge.scoreAll(pod(100, 0))).toEqual(new Float64Array([73]));
    });
  });

  describe('balanced-allocation score and weights', () => {
    it('adds trunc((1 - |cpu - memory| / 2) * 100) of real-request fractions at its weight', () => {
      const core = make();
      core.upsertNode(node('a', 4000, 4 * GI));
      core.addPod('a', pod(1000, 0)); // real memory 0, non-zero 200Mi
      // LeastAllocated: cpu (4000-2000)*100/4000 = 50, memory (4Gi-200Mi-1Gi)/4Gi = 70 → 60.
      // Balanced: cpu 2000/4000 = 0.5, memory 1Gi/4Gi = 0.25 → trunc(87.5) = 87.
      expect(core.scoreAll(pod(1000, GI))).toEqual(new Float64Array([60]));
      core.configureScoring({ leastAllocatedWeight: 1, balancedAllocationWeight: 1 });
      expect(core.scoreAll(pod(1000, GI))).toEqual(new Float64Array([147]));
      core.configureScoring({ leastAllocatedWeight: 3, balancedAllocationWeight: 2 });
      expect(core.schedule(pod(1000, GI)).score).toBe(3 * 60 + 2 * 87);
    });

    it('scores |0.5 - 0| as 75, and 100 when a resource has no allocatable', () => {
      const core = make();
      core.configureScoring({ leastAllocatedWeight: 0, balancedAllocationWeight: 1 });
      core.upsertNode(node('half', 1000, GI));
      core.upsertNode(node('no-memory', 1000, 0));
      // half: cpu 0.5, memory 0 → trunc(75); no-memory: allocatable 0 → 100.
      expect(core.scoreAll(pod(500, 0))).toEqual(new Float64Array([75, 100]));
      expect(core.schedule(pod(500, 0))).toMatchObject({ nodeName: 'no-memory', score: 100 });
    });

    it('prefers the balanced node when it outweighs LeastAllocated', () => {
      const core = make();
      core.upsertNode(node('cpu-heavy', 4000, 4 * GI));
      core.upsertNode(node('even', 4000, 4 * GI));
      core.addPod('cpu-heavy', pod(3000, 0));
      core.addPod('even', pod(1000, GI));
      core.configureScoring({ leastAllocatedWeight: 1, balancedAllocationWeight: 10 });
      expect(core.schedule(pod(500, 512 * MI)).nodeName).toBe('even');
    });
  });

  it('scores with the weights last configured, also when the same weights are configured again', () => {
    const core = make();
    core.upsertNode(node('a', 4000, 8 * GI));
    const least = { leastAllocatedWeight: 1, balancedAllocationWeight: 0 };
    const double = { leastAllocatedWeight: 2, balancedAllocationWeight: 0 };
    core.configureScoring(least);
    const once = core.schedule(pod(100, 0)).score;
    core.configureScoring(double);
    core.configureScoring({ ...double });
    expect(core.schedule(pod(100, 0)).score).toBe(2 * once);
    core.configureScoring(least);
    expect(core.schedule(pod(100, 0)).score).toBe(once);
  });

  describe('taint toleration', () => {
    const tainted = (name: string, ...taints: NodeTaint[]): NodeResources => ({ ...node(name, 4000, 8 * GI), taints });
    const tolerating = (...tolerations: PodToleration[]): PodRequests => ({ ...pod(100, 0), tolerations });

    it('rejects an untolerated NoSchedule/NoExecute taint with that reason only, after unschedulable', () => {
      const core = make();
      core.upsertNode(tainted('no-schedule', { key: 'k', value: 'v', effect: 'NoSchedule' }));
      core.upsertNode(tainted('no-execute', { key: 'k', effect: 'NoExecute' }));
      core.upsertNode({ ...tainted('cordoned', { key: 'k', effect: 'NoSchedule' }), unschedulable: true });
      core.upsertNode(tainted('full', { key: 'k', effect: 'PreferNoSchedule' }, { key: 'other', effect: 'Custom' }));
      const result = core.schedule(pod(100, 0));
      expect(result.nodeName).toBe('full');
      expect(result.reasons).toEqual({ ...noReasons(), unschedulable: 1, untoleratedTaint: 2 });
      expect(core.schedule(tolerating({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' })).feasibleNodes).toBe(2);
      expect(core.schedule(tolerating({ key: 'k', operator: 'Exists' })).feasibleNodes).toBe(3);
      expect(core.schedule(tolerating({ operator: 'Exists' })).feasibleNodes).toBe(3);
      expect(core.schedule(tolerating({ key: 'k', value: 'w' })).feasibleNodes).toBe(1);
      expect(core.schedule(tolerating({ key: 'k', operator: 'Bogus' })).feasibleNodes).toBe(1);
      // An update replaces the taints.
      core.upsertNode(node('no-schedule', 4000, 8 * GI));
      expect(core.schedule(pod(100, 0)).feasibleNodes).toBe(2);
    });

    it('applies each pod its own tolerations when consecutive pods repeat, drop or change them', () => {
      const core = make();
      core.upsertNode(tainted('tainted', { key: 'k', effect: 'NoSchedule' }));
      core.upsertNode(tainted('plain'));
      const k = tolerating({ key: 'k', operator: 'Exists' });
      const sequence: Array<[PodRequests, number]> = [
        [k, 2],
        [tolerating({ key: 'k', operator: 'Exists' }), 2],
        [pod(100, 0), 1],
        [pod(100, 0), 1],
        [k, 2],
        [tolerating({ key: 'other', operator: 'Exists' }), 1],
        [k, 2],
      ];
      for (const [p, feasible] of sequence) expect(core.schedule(p).feasibleNodes).toBe(feasible);
    });

    it('scores untolerated PreferNoSchedule taints normalized and reversed, at its weight', () => {
      const core = make();
      const prefer = (key: string): NodeTaint => ({ key, effect: 'PreferNoSchedule' });
      core.upsertNode(tainted('two', prefer('a'), prefer('b')));
      core.upsertNode(tainted('one', prefer('a')));
      core.upsertNode(tainted('none'));
      core.configureScoring({ leastAllocatedWeight: 1, balancedAllocationWeight: 0, taintTolerationWeight: 2 });
      // LeastAllocated: cpu 97, memory 97 -> 97; taints 0, 50, 100.
      expect(Array.from(core.scoreAll(pod(100, 0)))).toEqual([97, 197, 297]);
      expect(core.schedule(pod(100, 0))).toMatchObject({ nodeName: 'none', score: 297 });
      // Tolerating "a" with the PreferNoSchedule effect: max 1 -> 0, 100, 100.
      const p = tolerating({ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' });
      expect(Array.from(core.scoreAll(p))).toEqual([97, 297, 297]);
      // Every count 0: all 100.
      expect(Array.from(core.scoreAll(tolerating({ operator: 'Exists' })))).toEqual([297, 297, 297]);
    });
  });

  describe('node affinity', () => {
    const labelled = (name: string, labels: Record<string, string>): NodeResources => ({ ...node(name, 4000, 8 * GI), labels });

    it('filters on nodeSelector and required terms, counting nodeAffinity alone', () => {
      const core = make();
      core.upsertNode(labelled('a', { zone: 'x', size: '16' }));
      core.upsertNode(labelled('b', { zone: 'y', size: '4' }));
      core.upsertNode({ ...labelled('c', { zone: 'x' }), unschedulable: true });
      const bySelector = core.schedule({ ...pod(100, 0), nodeSelector: { zone: 'x' } });
      expect(bySelector.nodeName).toBe('a');
      expect(bySelector.reasons).toEqual({ ...noReasons(), unschedulable: 1, nodeAffinity: 1 });
      const required = (key: string, operator: string, values?: string[]): PodRequests => ({
        ...pod(100, 0),
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }] },
        },
      });
      expect(core.schedule(required('size', 'Lt', ['10'])).nodeName).toBe('b');
      expect(core.schedule(required('size', 'Gt', ['x'])).feasibleNodes).toBe(0);
      expect(core.schedule(required('zone', 'NotIn', ['x'])).nodeName).toBe('b');
      const byName: PodRequests = {
        ...pod(100, 0),
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }],
          },
        },
      };
      expect(core.schedule(byName).nodeName).toBe('b');
      // Labels follow node updates.
      core.upsertNode(labelled('b', { zone: 'x' }));
      expect(core.schedule({ ...pod(100, 0), nodeSelector: { zone: 'x' } }).feasibleNodes).toBe(2);
    });

    it('scores the weights of matching preferred terms, normalized, at its weight', () => {
      const core = make();
      core.upsertNode(labelled('ssd', { disk: 'ssd' }));
      core.upsertNode(labelled('hdd', { disk: 'hdd' }));
      core.configureScoring({ leastAllocatedWeight: 1, balancedAllocationWeight: 0, nodeAffinityWeight: 2 });
      const p: PodRequests = {
        ...pod(100, 0),
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
          ],
        },
      };
      // 40 and 10: normalized 100 and 25; LeastAllocated 97.
      expect(Array.from(core.scoreAll(p))).toEqual([297, 147]);
      expect(core.schedule(p)).toMatchObject({ nodeName: 'ssd', score: 297 });
    });
  });

  describe('choice', () => {
    it('picks the highest score', () => {
      const core = make();
      core.upsertNode(node('busy', 4000, 8 * GI));
      core.upsertNode(node('idle', 4000, 8 * GI));
      core.addPod('busy', pod(2000, 4 * GI));
      expect(core.schedule(pod(500, GI))).toEqual({
        nodeName: 'idle',
        score: 87,
        feasibleNodes: 2,
        reasons: noReasons(),
      });
      expect(core.scoreAll(pod(500, GI))).toEqual(new Float64Array([37, 87]));
    });

    it('breaks ties by the smallest name in JavaScript order, whatever the table order', () => {
      const names = ['node-b', 'node-c', 'node-a', 'node-10', 'Node-z'];
      for (const order of [names, [...names].reverse()]) {
        const core = make();
        for (const name of order) core.upsertNode(node(name, 1000, GI));
        expect(core.schedule(pod(100, MI)).nodeName).toBe('Node-z');
        core.removeNode('Node-z');
        expect(core.schedule(pod(100, MI)).nodeName).toBe('node-10');
      }
      // UTF-16 order, not code point order: U+1F600 (a surrogate pair) sorts before U+FF21.
      const core = make();
      core.upsertNode(node('x\uFF21', 1000, GI));
      core.upsertNode(node('x\u{1F600}', 1000, GI));
      expect(core.schedule(pod(100, MI)).nodeName).toBe('x\u{1F600}');
    });

    it('returns null and score 0 for an empty table', () => {
      const core = make();
      expect(core.schedule(pod(1, 1))).toEqual({
        nodeName: null,
        score: 0,
        feasibleNodes: 0,
        reasons: noReasons(),
      });
      expect(core.scoreAll(pod(1, 1))).toEqual(new Float64Array(0));
    });

    it('marks rejected nodes -1 in scoreAll', () => {
      const core = make();
      core.upsertNode(node('cordoned', 4000, 8 * GI, 110, true));
      core.upsertNode(node('ok', 4000, 8 * GI));
      core.upsertNode(node('small', 100, 8 * GI));
      expect(core.scoreAll(pod(1000, GI))).toEqual(new Float64Array([-1, 81, -1]));
    });
  });

  describe('batch', () => {
    it('schedules in order, each pod seeing the ones placed before it, and keeps them accounted', () => {
      const core = make();
      core.upsertNode(node('a', 1000, GI, 2));
      core.upsertNode(node('b', 1000, GI, 2));
      const pods = [pod(400, 0), pod(400, 0), pod(400, 0), pod(400, 0), pod(400, 0)];
      const results = core.scheduleBatch(pods);
      // a (tie, smaller name), b (a is fuller now), a, b; then both hold 2 pods.
      expect(results.map((r) => r.nodeName)).toEqual(['a', 'b', 'a', 'b', null]);
      expect(results[0]).toEqual({ nodeName: 'a', score: 70, feasibleNodes: 2, reasons: noReasons() });
      expect(results[4]).toEqual({
        nodeName: null,
        score: 0,
        feasibleNodes: 0,
        reasons: { ...noReasons(), tooManyPods: 2, insufficientCpu: 2 },
      });
      // The placements stay accounted: a third pod fits nowhere, until one is removed.
      expect(core.schedule(pod(0, 0)).nodeName).toBeNull();
      core.removePod('b', pods[1]!);
      expect(core.schedule(pod(0, 0)).nodeName).toBe('b');
      expect(core.scheduleBatch([])).toEqual([]);
    });

    it('equals schedule followed by addPod for each pod', () => {
      const one = make();
      const batch = make();
      for (const core of [one, batch]) {
        core.upsertNode(node('small', 2000, 4 * GI));
        core.upsertNode(node('big', 8000, 16 * GI));
        core.upsertNode(node('cordoned', 8000, 16 * GI, 110, true));
      }
      const pods = [pod(1500, GI), pod(0, 0), pod(3000, 8 * GI), pod(2500, 6 * GI), pod(7000, 0), pod(100, MI)];
      const expected = pods.map((p) => {
        const r = one.schedule(p);
        if (r.nodeName !== null) one.addPod(r.nodeName, p);
        return r;
      });
      expect(batch.scheduleBatch(pods)).toEqual(expected);
      expect(batch.scoreAll(pod(0, 0))).toEqual(one.scoreAll(pod(0, 0)));
    });
  });

  describe('node table', () => {
    it('appends new nodes, replaces known ones in place and keeps their pods', () => {
      const core = make();
      core.upsertNode(node('a', 1000, GI, 1));
      core.upsertNode(node('b', 1000, GI));
      core.addPod('a', pod(500, 0));
      core.upsertNode(node('a', 2000, GI, 2)); // pods 1 + 1 <= 2 now; cpu 500 still requested
      expect(core.nodeNames()).toEqual(['a', 'b']);
      expect(core.nodeCount).toBe(2);
      const scores = core.scoreAll(pod(1600, 0));
      expect(scores[0]).toBe(-1); // 1600 > 2000 - 500
      core.upsertNode(node('a', 2000, GI, 2, true));
      expect(core.schedule(pod(0, 0)).reasons.unschedulable).toBe(1);
    });

    it('swap-removes nodes, forgets their pods and ignores unknown names', () => {
      const core = make();
      for (const name of ['a', 'b', 'c', 'd']) core.upsertNode(node(name, 1000, GI, 1));
      core.addPod('b', pod(0, 0));
      core.removeNode('b');
      expect(core.nodeNames()).toEqual(['a', 'd', 'c']);
      core.removeNode('c'); // last: nothing moves
      core.removeNode('nope');
      expect(core.nodeNames()).toEqual(['a', 'd']);
      expect(core.nodeCount).toBe(2);
      core.upsertNode(node('b', 1000, GI, 1)); // back, without its old pod
      expect(core.nodeNames()).toEqual(['a', 'd', 'b']);
      expect(core.scoreAll(pod(0, 0))[2]).not.toBe(-1);
    });

    it('keeps pods added for an unknown node until the node arrives', () => {
      const core = make();
      core.addPod('late', pod(300, 0));
      core.addPod('late', pod(300, 0));
      expect(core.nodeCount).toBe(0);
      expect(core.nodeNames()).toEqual([]);
      expect(core.schedule(pod(0, 0)).nodeName).toBeNull();
      core.upsertNode(node('late', 1000, GI, 3));
      // cpu 600 requested: 500 does not fit, 400 does; pods 2 + 1 <= 3
      expect(core.schedule(pod(500, 0)).reasons.insufficientCpu).toBe(1);
      expect(core.schedule(pod(400, 0)).nodeName).toBe('late');
      core.addPod('late', pod(0, 0));
      expect(core.schedule(pod(0, 0)).reasons.tooManyPods).toBe(1);
    });

    it('removePod undoes addPod, for known and not-yet-known nodes', () => {
      const core = make();
      core.upsertNode(node('n', 1000, GI, 1));
      const before = core.scoreAll(pod(0, 0));
      core.addPod('n', pod(700, 100 * MI));
      expect(core.scoreAll(pod(0, 0))[0]).toBe(-1);
      core.removePod('n', pod(700, 100 * MI));
      expect(core.scoreAll(pod(0, 0))).toEqual(before);

      core.addPod('pending', pod(700, 0));
      core.removePod('pending', pod(700, 0));
      core.removePod('nowhere', pod(700, 0)); // no record: no-op
      core.upsertNode(node('pending', 1000, GI, 1));
      core.upsertNode(node('nowhere', 1000, GI, 1));
      expect(Array.from(core.scoreAll(pod(0, 0)))).toEqual([before[0], before[0], before[0]]);
    });

    it('removeNode also forgets pods waiting for that node', () => {
      const core = make();
      core.addPod('gone', pod(900, 0));
      core.removeNode('gone');
      core.upsertNode(node('gone', 1000, GI));
      expect(core.schedule(pod(900, 0)).nodeName).toBe('gone');
    });

    it('reads non-integers like napi reads an i64: truncated, non-finite as 0', () => {
      const core = make();
      core.upsertNode(node('n', 1000.9, Number.NaN));
      expect(core.scoreAll({ milliCpu: 1000.5, memoryBytes: 0, nonZeroMilliCpu: 0.7, nonZeroMemoryBytes: 0 })).toEqual(
        new Float64Array([50]), // cpu (1000 - 0) → 100, memory allocatable 0 → 0
      );
      expect(core.schedule(pod(1001, 0)).reasons.insufficientCpu).toBe(1);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Differential test: random clusters and random pods, native against TypeScript.

/** mulberry32, so a failure is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(readonly next: () => number) {}
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/**
 * Few shapes, so ties are common; some zero, some odd. With `huge`, some memory up to 2^50
 * (beyond the native kernel's range of 2^43, so those nodes take the native core's exact
 * path); without, every node is in the kernel's range (up to exactly 2^43).
 */
function randomNode(r: Random, name: string, huge: boolean): NodeResources {
  const memory = huge
    ? r.chance(0.8)
      ? r.pick([0, 512 * MI, 4 * GI, 16 * GI, 256 * GI, 2 ** 50])
      : r.int(2 ** 50)
    : r.chance(0.8)
      ? r.pick([0, 512 * MI, 4 * GI, 16 * GI, 256 * GI, 2 ** 43])
      : r.int(2 ** 43 + 1);
  return node(
    name,
    r.chance(0.8) ? r.pick([0, 100, 1000, 2000, 4000, 16_000, 64_000]) : r.int(200_000),
    memory,
    r.chance(0.7) ? r.pick([0, 1, 2, 3, 10, 110]) : r.int(30),
    r.chance(0.1),
  );
}

/** 1..3 containers, each with or without cpu and memory requests. Memory per pod < 2^47, so
 *  per-node sums stay far below 2^53. */
function randomPod(r: Random): PodRequests {
  const requests: PodRequests = { milliCpu: 0, memoryBytes: 0, nonZeroMilliCpu: 0, nonZeroMemoryBytes: 0 };
  const containers = 1 + r.int(3);
  for (let c = 0; c < containers; c++) {
    const cpu = r.chance(0.25) ? 0 : r.chance(0.5) ? r.pick([50, 100, 250, 500, 1000, 4000]) : 1 + r.int(20_000);
    const memory = r.chance(0.25)
      ? 0
      : r.chance(0.5)
        ? r.pick([64 * MI, 256 * MI, GI, 8 * GI])
        : 1 + r.int(r.chance(0.05) ? 2 ** 46 : 64 * GI);
    requests.milliCpu += cpu;
    requests.memoryBytes += memory;
    requests.nonZeroMilliCpu += cpu === 0 ? DEFAULT_MILLI_CPU_REQUEST : cpu;
    requests.nonZeroMemoryBytes += memory === 0 ? DEFAULT_MEMORY_REQUEST : memory;
  }
  return requests;
}

function nodeName(r: Random, universe: number): string {
  const i = r.int(universe);
  // A few non-ASCII names keep the UTF-16 tie-break honest.
  if (i % 17 === 0) return `n\u{1F600}${i}`;
  if (i % 19 === 0) return `n\uFF21${i}`;
  return `node-${i}`;
}

function sameResults(a: ScheduleResult[], b: ScheduleResult[]): boolean {
  return a.length === b.length && a.every((r, k) => sameResult(r, b[k]!));
}

interface Mismatch {
  seed: number;
  step: string;
  native: unknown;
  ts: unknown;
}

function sameScores(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function sameResult(a: ScheduleResult, b: ScheduleResult): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.score === b.score &&
    a.feasibleNodes === b.feasibleNodes &&
    a.reasons.unschedulable === b.reasons.unschedulable &&
    a.reasons.tooManyPods === b.reasons.tooManyPods &&
    a.reasons.insufficientCpu === b.reasons.insufficientCpu &&
    a.reasons.insufficientMemory === b.reasons.insufficientMemory &&
    a.reasons.untoleratedTaint === b.reasons.untoleratedTaint &&
    a.reasons.nodeAffinity === b.reasons.nodeAffinity &&
    Object.keys(a.reasons).sort().join() === Object.keys(b.reasons).sort().join()
  );
}

/** The napi class's shape: the contract, with weights as two numbers. */
type RawCore = Omit<SchedulerCore, 'configureScoring'> & Pick<NativeBinding, 'configureScoring'>;

/** Weights the differential test switches between: LeastAllocated alone (the kernel), and sums with BalancedAllocation. */
const WEIGHT_CHOICES: readonly ScoringWeights[] = [
  { leastAllocatedWeight: 1, balancedAllocationWeight: 0 },
  { leastAllocatedWeight: 1, balancedAllocationWeight: 1 },
  { leastAllocatedWeight: 3, balancedAllocationWeight: 2 },
  { leastAllocatedWeight: 1, balancedAllocationWeight: 10 },
  { leastAllocatedWeight: 2, balancedAllocationWeight: 0 },
  { leastAllocatedWeight: 1, balancedAllocationWeight: 0, taintTolerationWeight: 1 },
  { leastAllocatedWeight: 1, balancedAllocationWeight: 1, taintTolerationWeight: 3 },
  { leastAllocatedWeight: 2, balancedAllocationWeight: 0, taintTolerationWeight: 0 },
  { leastAllocatedWeight: 1, balancedAllocationWeight: 1, taintTolerationWeight: 3, nodeAffinityWeight: 2 },
  { leastAllocatedWeight: 1, balancedAllocationWeight: 0, taintTolerationWeight: 0, nodeAffinityWeight: 5 },
];

const LABEL_KEYS = ['zone', 'size', 'ssd', 'pool'];
const LABEL_VALUES = ['a', 'b', '3', '16', '-2', '+7', '', 'x1'];

/** 0..4 labels from few keys and values (some integers, some not). */
function randomLabels(r: Random): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = r.int(5); i > 0; i--) labels[r.pick(LABEL_KEYS)] = r.pick(LABEL_VALUES);
  return labels;
}

/** One requirement with every operator (and a bogus one), on labels or on fields. */
function randomRequirement(r: Random, field: boolean): RequirementLike {
  const operator = r.pick(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Bogus']);
  const key = field ? r.pick(['metadata.name', 'metadata.name', 'spec.other']) : r.pick(LABEL_KEYS);
  const values =
    operator === 'Gt' || operator === 'Lt'
      ? r.chance(0.8)
        ? [r.pick(['0', '3', '10', '-5', 'x'])]
        : ['1', '2']
      : Array.from({ length: r.int(3) }, () => (field ? `node-${r.int(20)}` : r.pick(LABEL_VALUES)));
  return { key, operator, values };
}

function randomTerm(r: Random): NodeSelectorTerm {
  return {
    matchExpressions: Array.from({ length: r.int(3) }, () => randomRequirement(r, false)),
    ...(r.chance(0.2) ? { matchFields: [randomRequirement(r, true)] } : {}),
  };
}

/** A node selector and node affinity, each part present or not. */
function randomAffinity(r: Random): Pick<PodRequests, 'nodeSelector' | 'nodeAffinity'> {
  const out: Pick<PodRequests, 'nodeSelector' | 'nodeAffinity'> = {};
  if (r.chance(0.3)) out.nodeSelector = { [r.pick(LABEL_KEYS)]: r.pick(LABEL_VALUES) };
  if (r.chance(0.7)) {
    out.nodeAffinity = {
      ...(r.chance(0.5)
        ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array.from({ length: r.int(3) }, () => randomTerm(r)) } }
        : {}),
      ...(r.chance(0.6)
        ? {
            preferredDuringSchedulingIgnoredDuringExecution: Array.from({ length: 1 + r.int(3) }, () => ({
              weight: r.int(101),
              preference: randomTerm(r),
            })),
          }
        : {}),
    };
  }
  return out;
}

const TAINT_KEYS = ['dedicated', 'gpu', 'zone', ''];
const TAINT_VALUES = [undefined, '', 'x', 'y'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute', 'Other'];

/** 0..3 taints from few keys, values and effects (including one the core ignores). */
function randomTaints(r: Random): NodeTaint[] {
  return Array.from({ length: r.int(4) }, () => ({ key: r.pick(TAINT_KEYS), value: r.pick(TAINT_VALUES), effect: r.pick(EFFECTS) }));
}

/** 0..3 tolerations with every operator and effect form, valid or not. */
function randomTolerations(r: Random): PodToleration[] {
  return Array.from({ length: r.int(4) }, () => ({
    key: r.pick([undefined, ...TAINT_KEYS]),
    operator: r.pick([undefined, '', 'Equal', 'Exists', 'Exists', 'Bogus']),
    value: r.pick(TAINT_VALUES),
    effect: r.pick([undefined, '', ...EFFECTS]),
  }));
}

/** The napi class itself, whose object-in/object-out `schedule` the wrapper bypasses. */
const RawNativeCore = (
  createRequire(import.meta.url)('@skiff/scheduler-core') as {
    SchedulerCore: new () => RawCore;
  }
).SchedulerCore;

/**
 * Runs one random cluster's life in the TypeScript core, the native wrapper and the raw napi
 * class; returns mismatches and how much was compared.
 */
function runCluster(seed: number): {
  mismatches: Mismatch[];
  schedules: number;
  scheduled: number;
  batched: number;
  taintRejections: number;
  affinityRejections: number;
} {
  const r = new Random(prng(seed));
  const native = new NativeSchedulerCore();
  const ts = new TsSchedulerCore();
  const raw = new RawNativeCore();
  // Half the clusters have taints, labels, tolerations and node affinity; the raw napi class
  // (which the wrapper feeds those as interned ids) is compared on the other half only.
  const tainted = r.chance(0.5);
  const both = (f: (core: Pick<SchedulerCore, 'addPod' | 'removePod' | 'upsertNode' | 'removeNode'>) => void): void => {
    f(native);
    f(ts);
    if (!tainted) f(raw);
  };
  const newNode = (): NodeResources => {
    const n = randomNode(r, nodeName(r, universe), huge);
    if (tainted && r.chance(0.6)) n.taints = randomTaints(r);
    if (tainted && r.chance(0.8)) n.labels = randomLabels(r);
    return n;
  };
  const newPod = (): PodRequests => {
    const p = randomPod(r);
    if (tainted && r.chance(0.7)) p.tolerations = randomTolerations(r);
    return tainted && r.chance(0.6) ? { ...p, ...randomAffinity(r) } : p;
  };
  const mismatches: Mismatch[] = [];
  let schedules = 0;
  let scheduled = 0;
  let batched = 0;
  let taintRejections = 0;
  let affinityRejections = 0;
  const huge = r.chance(0.5);
  const nodeTarget = 1 + r.int(200);
  const universe = Math.max(2, Math.ceil(nodeTarget * 1.3));
  const bound: Array<[string, PodRequests]> = [];

  // Some pods arrive before their nodes.
  for (let i = r.int(10); i > 0; i--) {
    const name = nodeName(r, universe);
    const p = randomPod(r);
    both((c) => c.addPod(name, p));
    bound.push([name, p]);
  }
  for (let i = 0; i < nodeTarget; i++) {
    const n = newNode();
    both((c) => c.upsertNode(n));
  }
  for (let i = r.int(3 * nodeTarget); i > 0; i--) {
    const name = nodeName(r, universe);
    const p = randomPod(r);
    both((c) => c.addPod(name, p));
    bound.push([name, p]);
  }

  const steps = 5 + r.int(20);
  for (let step = 0; step < steps; step++) {
    if (r.chance(0.3)) {
      const w = r.pick(WEIGHT_CHOICES);
      native.configureScoring(w);
      ts.configureScoring(w);
      raw.configureScoring(w.leastAllocatedWeight, w.balancedAllocationWeight, w.taintTolerationWeight, w.nodeAffinityWeight);
    }
    const op = r.next();
    if (op < 0.1) {
      // A batch: every pod placed is accounted in all three, as addPod would.
      const pods = Array.from({ length: 1 + r.int(12) }, newPod);
      const a = native.scheduleBatch(pods);
      const b = ts.scheduleBatch(pods);
      const c = tainted ? b : raw.scheduleBatch(pods);
      if (!sameResults(a, b)) mismatches.push({ seed, step: `scheduleBatch#${step}`, native: a, ts: b });
      if (!sameResults(c, b)) mismatches.push({ seed, step: `raw scheduleBatch#${step}`, native: c, ts: b });
      b.forEach((result, k) => {
        if (result.nodeName === null) return;
        batched++;
        bound.push([result.nodeName, pods[k]!]);
      });
    } else if (op < 0.5) {
      const p = newPod();
      const a = native.schedule(p);
      const b = ts.schedule(p);
      schedules++;
      if (b.reasons.untoleratedTaint > 0) taintRejections++;
      if (b.reasons.nodeAffinity > 0) affinityRejections++;
      if (!sameResult(a, b)) mismatches.push({ seed, step: `schedule#${step}`, native: a, ts: b });
      const c = tainted ? b : raw.schedule(p);
      if (!sameResult(c, b)) mismatches.push({ seed, step: `raw schedule#${step}`, native: c, ts: b });
      const sa = native.scoreAll(p);
      const sb = ts.scoreAll(p);
      if (!sameScores(sa, sb)) {
        mismatches.push({ seed, step: `scoreAll#${step}`, native: Array.from(sa), ts: Array.from(sb) });
      }
      // Bind it, as the scheduler would.
      if (a.nodeName !== null && r.chance(0.7)) {
        const name = a.nodeName;
        scheduled++;
        both((c) => c.addPod(name, p));
        bound.push([name, p]);
      }
    } else if (op < 0.6 && bound.length > 0) {
      const [name, p] = bound.splice(r.int(bound.length), 1)[0]!;
      both((c) => c.removePod(name, p));
    } else if (op < 0.75) {
      const n = newNode(); // new node or an update of a known one
      both((c) => c.upsertNode(n));
    } else if (op < 0.85) {
      const names = native.nodeNames();
      const name = names.length > 0 && r.chance(0.9) ? r.pick(names) : nodeName(r, universe);
      both((c) => c.removeNode(name));
      // Its pods are forgotten: stop tracking them so removePod is not called for them later.
      for (let i = bound.length - 1; i >= 0; i--) if (bound[i]![0] === name) bound.splice(i, 1);
    } else {
      const name = nodeName(r, universe);
      const p = randomPod(r);
      both((c) => c.addPod(name, p));
      bound.push([name, p]);
    }
    const na = native.nodeNames();
    const nb = ts.nodeNames();
    if (
      na.join('\0') !== nb.join('\0') ||
      (!tainted && na.join('\0') !== raw.nodeNames().join('\0')) ||
      native.nodeCount !== ts.nodeCount ||
      na.length !== native.nodeCount
    ) {
      mismatches.push({ seed, step: `nodeNames#${step}`, native: na, ts: nb });
    }
  }
  return { mismatches, schedules, scheduled, batched, taintRejections, affinityRejections };
}

describe('differential: native core vs TypeScript core', () => {
  it('agrees on thousands of random clusters', () => {
    const clusters = 3000;
    const mismatches: Mismatch[] = [];
    let schedules = 0;
    let scheduled = 0;
    let batched = 0;
    let taintRejections = 0;
    let affinityRejections = 0;
    for (let i = 0; i < clusters; i++) {
      const seed = 0x9e3779b9 ^ (i * 2654435761);
      const run = runCluster(seed >>> 0);
      mismatches.push(...run.mismatches);
      schedules += run.schedules;
      scheduled += run.scheduled;
      batched += run.batched;
      taintRejections += run.taintRejections;
      affinityRejections += run.affinityRejections;
      if (mismatches.length >= 5) break;
    }
    expect(mismatches).toEqual([]);
    // The generator must exercise both outcomes, or the comparison proves little.
    expect(schedules).toBeGreaterThan(clusters * 3);
    expect(scheduled).toBeGreaterThan(clusters);
    expect(schedules - scheduled).toBeGreaterThan(clusters / 2);
    expect(batched).toBeGreaterThan(clusters);
    expect(taintRejections).toBeGreaterThan(clusters / 2);
    expect(affinityRejections).toBeGreaterThan(clusters / 2);
    // A few seconds on a quiet machine; the shared 2-core machines run it ten times slower under load.
  }, 120_000);
});
