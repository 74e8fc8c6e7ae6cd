/**
 * The framework: configuration, requeueing by registered events, metrics, and the differential
 * test — random clusters with labels, taints, ports and images, random pods with selectors,
 * affinity, tolerations, ports and init containers: the core-assisted framework over the
 * native core, over the TypeScript core, and the pure-TypeScript plugins all decide the same.
 */
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Node, Pod } from '@skiff/api';
import {
  ActionType,
  ClusterState,
  ConfigurationError,
  createSchedulerCore,
  defaultProfiles,
  eventMatches,
  Framework,
  FrameworkMetrics,
  KNOWN_PLUGINS,
  needsScheduling,
  nodeUpdateActions,
  parseSchedulerConfiguration,
  SchedulingQueue,
  type CycleResult,
  type Profile,
  type SchedulerCore,
  type SchedulerCoreKind,
} from '@skiff/scheduler';
import { isNativeSchedulerCoreAvailable } from '../../src/core/native-core.js';
import { prng as rng } from '../../src/core/measure.js';

const ZONES = ['a', 'b', 'c'];
const TAINT_KEYS = ['dedicated', 'gpu', 'spot'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const IMAGES = ['app:1', 'db:2', 'cache:3'];

function randomNode(r: () => number, i: number): Node {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const taints = r() < 0.4 ? [{ key: pick(TAINT_KEYS), value: pick(['', 'x']), effect: pick(EFFECTS) }] : [];
  const labels: Record<string, string> = { zone: pick(ZONES), size: String(1 + Math.floor(r() * 16)) };
  if (r() < 0.3) labels['ssd'] = 'true';
  return {
    metadata: { name: `n${String(i).padStart(2, '0')}`, labels },
    spec: { unschedulable: r() < 0.1, taints },
    status: {
      allocatable: {
        cpu: String(1 + Math.floor(r() * 8)),
        memory: `${1 + Math.floor(r() * 16)}Gi`,
        pods: String(1 + Math.floor(r() * 6)),
        'example.com/gpu': String(Math.floor(r() * 3)),
      },
      images: r() < 0.5 ? [{ names: [pick(IMAGES)], sizeBytes: Math.floor(r() * 900) * 1024 * 1024 }] : [],
    },
  };
}

function randomPod(r: () => number, name: string): Pod {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const requests: Record<string, string> = {};
  if (r() < 0.8) requests['cpu'] = `${Math.floor(r() * 3000)}m`;
  if (r() < 0.7) requests['memory'] = `${Math.floor(r() * 4096)}Mi`;
  if (r() < 0.1) requests['example.com/gpu'] = '1';
  const spec: NonNullable<Pod['spec']> = {
    containers: [
      {
        name: 'c',
        image: pick(IMAGES),
        resources: { requests },
        ...(r() < 0.2 ? { ports: [{ containerPort: 80, hostPort: pick([8080, 9090]), protocol: pick(['TCP', 'UDP']) }] } : {}),
      },
    ],
  };
  if (r() < 0.2) spec.initContainers = [{ name: 'i', image: 'init', resources: { requests: { cpu: `${Math.floor(r() * 4000)}m` } } }];
  if (r() < 0.2) spec.nodeSelector = { zone: pick(ZONES) };
  if (r() < 0.2) {
    spec.affinity = {
      nodeAffinity: {
        ...(r() < 0.5
          ? {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'size', operator: pick(['Gt', 'Lt']), values: [String(Math.floor(r() * 16))] }] },
                ],
              },
            }
          : {}),
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 1 + Math.floor(r() * 100), preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
          { weight: 1 + Math.floor(r() * 100), preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: [pick(ZONES)] }] } },
        ],
      },
    };
  }
  if (r() < 0.4)
    spec.tolerations = [
      {
        key: pick(TAINT_KEYS),
        operator: pick(['Exists', 'Equal']),
        value: pick(['', 'x']),
        ...(r() < 0.5 ? { effect: pick(EFFECTS) } : {}),
      },
    ];
  if (r() < 0.05)
    spec.tolerations = [...(spec.tolerations ?? []), { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }];
  return { metadata: { name, namespace: 'default' }, spec, status: { phase: 'Pending' } };
}

interface Setup {
  framework: Framework;
  state: ClusterState;
}

/** A core that counts its `schedule` calls: the framework's fast path. */
function countingCore(kind: SchedulerCoreKind, counter: { fast: number }): SchedulerCore {
  const core = createSchedulerCore(kind);
  const schedule = core.schedule.bind(core);
  core.schedule = (pod) => {
    counter.fast += 1;
    return schedule(pod);
  };
  return core;
}

function setup(core: SchedulerCoreKind, useCore: boolean, profile: Profile = defaultProfiles()[0]!, counter = { fast: 0 }): Setup {
  const state = new ClusterState(countingCore(core, counter));
  const framework = new Framework({ profile, nodes: state.nodes, core: state.core, bind: () => Promise.resolve(), useCore });
  return { framework, state };
}

function summary(r: CycleResult): string {
  return r.kind === 'scheduled' ? `${r.nodeName} ${r.score} ${r.feasibleNodes}` : r.message;
}

const cores: SchedulerCoreKind[] = isNativeSchedulerCoreAvailable() ? ['native', 'ts'] : ['ts'];

/** Random cluster generators for {@link differential}, and the first cluster's seed. */
interface Generators {
  readonly node: (r: () => number, i: number) => Node;
  readonly pod: (r: () => number, name: string) => Pod;
  readonly seed: number;
}

const RANDOM: Generators = { node: randomNode, pod: randomPod, seed: 1 };

/**
 * Schedules 12 random pods on each of `clusters` random clusters with the core-assisted
 * framework over each core and with the pure-TypeScript plugins, expecting the same summary.
 * Returns the counts, and how often the core alone decided (over all core-assisted setups).
 */
function differential(clusters: number, profile: Profile, gen = RANDOM): { decisions: number; scheduled: number; fast: number } {
  let decisions = 0;
  let scheduled = 0;
  const counter = { fast: 0 };
  for (let c = 0; c < clusters; c++) {
    const r = rng(gen.seed + c);
    const setups = [...cores.map((k) => setup(k, true, profile, counter)), setup('ts', false, profile)];
    const nodes = Array.from({ length: 2 + Math.floor(r() * 30) }, (_, i) => gen.node(r, i));
    for (const s of setups) for (const n of nodes) s.state.upsertNode(n);
    for (let k = 0; k < 12; k++) {
      const pod = gen.pod(r, `p${k}`);
      const results = setups.map((s) => s.framework.schedulePod(pod));
      const expected = summary(results[results.length - 1]!);
      for (const res of results) expect(summary(res), `cluster ${c} pod ${k}`).toBe(expected);
      decisions += 1;
      const first = results[0]!;
      if (first.kind === 'scheduled') {
        scheduled += 1;
        for (const s of setups) s.state.assume(pod, first.nodeName);
      }
    }
  }
  return { decisions, scheduled, fast: counter.fast };
}

/** The default profile with `changes` (a KubeSchedulerConfiguration profile's plugins). */
function profileWith(plugins: Record<string, unknown>): Profile {
  return parseSchedulerConfiguration(
    { kind: 'KubeSchedulerConfiguration', profiles: [{ schedulerName: 'default-scheduler', plugins }] },
    KNOWN_PLUGINS,
  )[0]!;
}

describe('differential: core-assisted framework vs pure TypeScript plugins', () => {
  it('choose the same node, score and message over thousands of random pods', () => {
    const { decisions, scheduled } = differential(300, defaultProfiles()[0]!);
    expect(decisions).toBe(3600);
    // The cases exercise both outcomes.
    expect(scheduled).toBeGreaterThan(300);
    expect(decisions - scheduled).toBeGreaterThan(300);
  });

  it('agree when the core alone decides pods with tolerations, node selectors and node affinity', () => {
    // Without ImageLocality, pods with tolerations and no node affinity take the fast path.
    const { decisions, scheduled, fast } = differential(200, profileWith({ score: { disabled: [{ name: 'ImageLocality' }] } }));
    expect(scheduled).toBeGreaterThan(200);
    expect(decisions - scheduled).toBeGreaterThan(200);
    expect(fast).toBeGreaterThan(decisions / 2);
  });

  it.each(['NodeAffinity', 'TaintToleration'])('agree when the profile scores with %s but does not filter with it', (name) => {
    const profile = profileWith({
      filter: { disabled: [{ name }] },
      score: { disabled: [{ name: 'ImageLocality' }] },
    });
    const { scheduled, fast } = differential(100, profile);
    expect(scheduled).toBeGreaterThan(100);
    expect(fast).toBeGreaterThan(100);
  });
});

describe('KubeSchedulerConfiguration', () => {
  it('defaults to upstream default profile with its score weights', () => {
    const [profile] = parseSchedulerConfiguration({ kind: 'KubeSchedulerConfiguration' }, KNOWN_PLUGINS);
    expect(profile!.schedulerName).toBe('default-scheduler');
    expect(profile!.plugins.score.map((p) => `${p.name}=${p.weight}`)).toEqual([
      'TaintToleration=3',
      'NodeAffinity=2',
      'NodeResourcesFit=1',
      'PodTopologySpread=2',
      'InterPodAffinity=2',
      'NodeResourcesBalancedAllocation=1',
      'ImageLocality=1',
    ]);
  });

  it('merges enabled/disabled per extension point and reads scoring strategies', () => {
    const profiles = parseSchedulerConfiguration(
      {
        apiVersion: 'kubescheduler.config.k8s.io/v1',
        kind: 'KubeSchedulerConfiguration',
        profiles: [
          { schedulerName: 'default-scheduler' },
          {
            schedulerName: 'bin-packer',
            plugins: { score: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeResourcesFit', weight: 5 }] } },
            pluginConfig: [
              { name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }] } } },
            ],
          },
          {
            schedulerName: 'ratio',
            plugins: { filter: { disabled: [{ name: 'TaintToleration' }] }, score: { enabled: [{ name: 'TaintToleration', weight: 7 }] } },
            pluginConfig: [
              {
                name: 'NodeResourcesFit',
                args: {
                  scoringStrategy: {
                    type: 'RequestedToCapacityRatio',
                    requestedToCapacityRatio: {
                      shape: [
                        { utilization: 0, score: 0 },
                        { utilization: 100, score: 10 },
                      ],
                    },
                  },
                },
              },
            ],
          },
        ],
      },
      KNOWN_PLUGINS,
    );
    expect(profiles.map((p) => p.schedulerName)).toEqual(['default-scheduler', 'bin-packer', 'ratio']);
    expect(profiles[1]!.plugins.score).toEqual([{ name: 'NodeResourcesFit', weight: 5 }]);
    expect(profiles[1]!.fitStrategy).toEqual({ type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }] });
    expect(profiles[2]!.plugins.filter.map((p) => p.name)).not.toContain('TaintToleration');
    expect(profiles[2]!.plugins.score[0]).toEqual({ name: 'TaintToleration', weight: 7 });
    expect(profiles[2]!.fitStrategy).toMatchObject({
      type: 'RequestedToCapacityRatio',
      shape: [
        { utilization: 0, score: 0 },
        { utilization: 100, score: 100 },
      ],
    });
  });

  it('names the bad field', () => {
    const bad = (doc: unknown): string => {
      try {
        parseSchedulerConfiguration(doc, KNOWN_PLUGINS);
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigurationError);
        return (err as Error).message;
      }
    };
    expect(bad({ profiles: [{ plugins: { score: { enabled: [{ name: 'Nope' }] } } }] })).toBe(
      'profiles[0].plugins.score.enabled[0].name: unknown plugin "Nope"',
    );
    expect(bad({ profiles: [{ schedulerName: 'x' }, { schedulerName: 'x' }] })).toBe('profiles[1].schedulerName: duplicate "x"');
    expect(bad({ profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'Random' } } }] }] })).toMatch(
      /^profiles\[0\]\.pluginConfig\[0\]\.args\.scoringStrategy\.type: unsupported value "Random"/,
    );
    expect(bad({ kind: 'Pod' })).toBe('kind: must be KubeSchedulerConfiguration, got "Pod"');
  });

  it('a MostAllocated profile packs where the default spreads', () => {
    const [, packer] = parseSchedulerConfiguration(
      {
        profiles: [
          {},
          { schedulerName: 'packer', pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] },
        ],
      },
      KNOWN_PLUGINS,
    );
    const node = (name: string): Node => ({
      metadata: { name },
      spec: {},
      status: { allocatable: { cpu: '4', memory: '8Gi', pods: '10' } },
    });
    const pod = (name: string, nodeName?: string): Pod => ({
      metadata: { name, namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
        ...(nodeName ? { nodeName } : {}),
      },
    });
    for (const [profile, expected] of [
      [defaultProfiles()[0]!, 'b'],
      [packer!, 'a'],
    ] as const) {
      const s = setup('ts', true, profile);
      s.state.upsertNode(node('a'));
      s.state.upsertNode(node('b'));
      s.state.observePod(pod('busy', 'a'));
      const r = s.framework.schedulePod(pod('new'));
      expect(r.kind === 'scheduled' ? r.nodeName : r.message).toBe(expected);
    }
  });
});

describe('requeueing by registered events', () => {
  it('moves a pod back only on an event one of its rejecting plugins registered', () => {
    const { framework } = setup('ts', true);
    const q = new SchedulingQueue({ initialBackoffMs: 1, maxBackoffMs: 1 });
    const helps = (event: { resource: 'Node' | 'Pod'; actions: number }) => (rejectors: ReadonlySet<string>) =>
      [...rejectors].some((p) => framework.eventsOf(p).some((e) => eventMatches(e, event)));
    q.add('default/p', 0);
    return q.pop().then(() => {
      q.markUnschedulable('default/p', new Set(['NodeAffinity']));
      q.moveOnEvent(helps({ resource: 'Pod', actions: ActionType.Delete }));
      expect(q.sizes().unschedulable).toBe(1);
      q.moveOnEvent(helps({ resource: 'Node', actions: ActionType.UpdateNodeTaint }));
      expect(q.sizes().unschedulable).toBe(1);
      q.moveOnEvent(helps({ resource: 'Node', actions: ActionType.UpdateNodeLabel }));
      expect(q.sizes()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
      q.close();
    });
  });

  it('classifies node updates', () => {
    const n: Node = { metadata: { name: 'a', labels: { x: '1' } }, spec: {}, status: { allocatable: { cpu: '1' } } };
    expect(nodeUpdateActions(n, { ...n, metadata: { name: 'a', labels: { x: '2' } } })).toBe(ActionType.UpdateNodeLabel);
    expect(nodeUpdateActions(n, { ...n, spec: { unschedulable: true } })).toBe(ActionType.UpdateNodeTaint);
    expect(nodeUpdateActions(n, { ...n, status: { allocatable: { cpu: '2' } } })).toBe(ActionType.UpdateNodeAllocatable);
    expect(nodeUpdateActions(n, n)).toBe(0);
  });

  it('several profiles share a cluster: a pod for another scheduler is not ours', () => {
    const names = new Set(['default-scheduler', 'packer']);
    const pod = (schedulerName?: string): Pod => ({
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [], ...(schedulerName ? { schedulerName } : {}) },
    });
    expect(needsScheduling(pod(), names)).toBe(true);
    expect(needsScheduling(pod('packer'), names)).toBe(true);
    expect(needsScheduling(pod('someone-else'), names)).toBe(false);
  });
});

/** Nodes without images or PreferNoSchedule taints: for plain pods only Fit and BalancedAllocation score. */
function plainNode(r: () => number, i: number): Node {
  const n = randomNode(r, i);
  n.spec = { unschedulable: n.spec?.unschedulable ?? false, taints: [] };
  n.status = { allocatable: n.status?.allocatable ?? {}, images: [] };
  return n;
}

function plainPod(r: () => number, name: string): Pod {
  const requests: Record<string, string> = {};
  if (r() < 0.9) requests['cpu'] = `${Math.floor(r() * 3000)}m`;
  if (r() < 0.9) requests['memory'] = `${Math.floor(r() * 4096)}Mi`;
  return { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'plain:1', resources: { requests } }] } };
}

/** The default profile with NodeResourcesFit and BalancedAllocation at other weights. */
function weightedProfile(fitWeight: number, balancedWeight: number): Profile {
  const profile = defaultProfiles()[0]!;
  const weightOf = (name: string, weight: number): number =>
    name === 'NodeResourcesFit' ? fitWeight : name === 'NodeResourcesBalancedAllocation' ? balancedWeight : weight;
  const score = profile.plugins.score.map((p) => ({ ...p, weight: weightOf(p.name, p.weight) }));
  return { ...profile, plugins: { ...profile.plugins, score } };
}

describe('differential: the fast path (core alone, LeastAllocated + BalancedAllocation) vs pure TypeScript plugins', () => {
  it.each([
    [1, 1],
    [3, 2],
    [1, 7],
  ])('fit weight %i, balanced weight %i: same node and score, and the core decides alone', (fitWeight, balancedWeight) => {
    const profile = weightedProfile(fitWeight, balancedWeight);
    const { fast } = differential(150, profile, { node: plainNode, pod: plainPod, seed: 1000 });
    // Every core-assisted decision of a plain pod went through the core alone.
    expect(fast).toBe(150 * 12 * cores.length);
  });
});

describe('framework metrics', () => {
  it('observes every extension point and, in sampled cycles, every plugin', async () => {
    const registry = new Registry();
    const metrics = new FrameworkMetrics(registry);
    const state = new ClusterState(createSchedulerCore('ts'));
    const framework = new Framework({
      profile: defaultProfiles()[0]!,
      nodes: state.nodes,
      core: state.core,
      bind: () => Promise.resolve(),
      metrics,
      sample: () => true,
    });
    state.upsertNode({ metadata: { name: 'a' }, spec: {}, status: { allocatable: { cpu: '1', memory: '1Gi', pods: '10' } } });
    framework.schedulePod({
      metadata: { name: 'p', namespace: 'default' },
      // A host port (NodePorts, not in the core) keeps the pod off the fast path, where every plugin runs.
      spec: {
        containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } }, ports: [{ containerPort: 80, hostPort: 8080 }] }],
      },
    });
    const text = await registry.metrics();
    expect(text).toMatch(
      /scheduler_framework_extension_point_duration_seconds_count\{extension_point="Filter",status="Success",profile="default-scheduler"\} 1/,
    );
    expect(text).toMatch(
      /scheduler_plugin_execution_duration_seconds_count\{plugin="NodeResourcesFit",extension_point="Filter",status="Success"\} 1/,
    );
    expect(text).toMatch(
      /scheduler_plugin_execution_duration_seconds_count\{plugin="NodeResourcesBalancedAllocation",extension_point="Score",status="Success"\} 1/,
    );
  });

  it('observes PostFilter (the point and, sampled, DefaultPreemption) when no node fits', async () => {
    const registry = new Registry();
    const state = new ClusterState(createSchedulerCore('ts'));
    const framework = new Framework({
      profile: defaultProfiles()[0]!,
      nodes: state.nodes,
      core: state.core,
      bind: () => Promise.resolve(),
      metrics: new FrameworkMetrics(registry),
      sample: () => true,
    });
    state.upsertNode({ metadata: { name: 'a' }, spec: {}, status: { allocatable: { cpu: '1', memory: '1Gi', pods: '10' } } });
    framework.schedulePod({
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' } } }] },
    });
    const text = await registry.metrics();
    expect(text).toMatch(
      /scheduler_framework_extension_point_duration_seconds_count\{extension_point="PostFilter",status="Unschedulable",profile="default-scheduler"\} 1/,
    );
    expect(text).toMatch(
      /scheduler_plugin_execution_duration_seconds_count\{plugin="DefaultPreemption",extension_point="PostFilter",status="Unschedulable"\} 1/,
    );
  });
});
