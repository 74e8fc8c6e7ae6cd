/** Per-plugin cases from Kubernetes' documented behaviour. */
import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import {
  balancedScore,
  brokenLinear,
  ClusterState,
  createSchedulerCore,
  CycleState,
  DEFAULT_SCORING_STRATEGY,
  defaultProfiles,
  Framework,
  imageScore,
  leastRequested,
  mostRequested,
  podInfo,
  podResources,
  toleratesTaint,
  untoleratedTaintReason,
} from '@skiff/scheduler';

function node(
  name: string,
  extra: {
    labels?: Record<string, string>;
    taints?: Node['spec'] extends infer S ? (S extends { taints?: infer T } ? T : never) : never;
    cpu?: string;
    memory?: string;
    pods?: string;
    unschedulable?: boolean;
    images?: Array<{ names: string[]; sizeBytes: number }>;
  } = {},
): Node {
  return {
    metadata: { name, labels: extra.labels ?? {} },
    spec: { unschedulable: extra.unschedulable ?? false, taints: extra.taints ?? [] },
    status: {
      allocatable: { cpu: extra.cpu ?? '4', memory: extra.memory ?? '8Gi', pods: extra.pods ?? '110', 'example.com/gpu': '1' },
      images: extra.images ?? [],
    },
  };
}

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, cpu = '100m'): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'app', resources: { requests: { cpu, memory: '128Mi' } } }], ...spec },
    status: { phase: 'Pending' },
  };
}

function cluster(nodes: Node[], core: 'native' | 'ts' = 'ts'): { state: ClusterState; framework: Framework } {
  const state = new ClusterState(createSchedulerCore(core));
  for (const n of nodes) state.upsertNode(n);
  const framework = new Framework({ profile: defaultProfiles()[0]!, nodes: state.nodes, core: state.core, bind: () => Promise.resolve() });
  return { state, framework };
}

function placed(framework: Framework, p: Pod): string {
  const r = framework.schedulePod(p);
  return r.kind === 'scheduled' ? r.nodeName : `unschedulable: ${r.message}`;
}

describe('resources: requests as NodeResourcesFit counts them', () => {
  it('takes the larger of the init peak and the app sum, counts sidecars in both, adds overhead', () => {
    const p: Pod = {
      metadata: { name: 'p' },
      spec: {
        initContainers: [
          { name: 'sidecar', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
          { name: 'init', image: 'x', resources: { requests: { cpu: '1', memory: '1Gi' } } },
        ],
        containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '300m', memory: '100Mi' } } }],
        overhead: { cpu: '50m' },
      },
    };
    const r = podResources(p);
    // Init peak: 1000m + sidecar 200m = 1200m > app 300m + sidecar 200m; plus 50m overhead.
    expect(r.requests.get('cpu')).toBe(1250);
    expect(r.requests.get('memory')).toBe(1024 ** 3);
    // Non-zero: missing memory on the sidecar counts 200Mi.
    expect(r.nonZeroMemoryBytes).toBe(Math.max(1024 ** 3 + 200 * 1024 ** 2, 100 * 1024 ** 2 + 200 * 1024 ** 2));
  });
});

describe('TaintToleration', () => {
  it('matches tolerations by key, operator, value and effect', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'k', value: 'w' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'k', value: 'v', effect: 'NoExecute' }, taint)).toBe(false);
  });

  it('rejects a node with an untolerated NoSchedule taint with upstream wording; PreferNoSchedule only scores', () => {
    const { framework } = cluster([
      node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      node('b', { taints: [{ key: 'soft', value: '', effect: 'PreferNoSchedule' }] }),
      node('c'),
    ]);
    expect(placed(framework, pod('p'))).toBe('c');
    // Filters run in profile order: the taint is a's reason, not the selector.
    expect(placed(framework, pod('p', { nodeSelector: { x: 'y' } }))).toContain(
      "1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.",
    );
    // Tolerating the PreferNoSchedule taint makes b as good as c; b wins the tie by name.
    expect(placed(framework, pod('p', { tolerations: [{ key: 'soft', operator: 'Exists', effect: 'PreferNoSchedule' }] }))).toBe('b');
    const onlyA = pod('p', {
      nodeName: undefined,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }],
          },
        },
      },
    });
    expect(placed(framework, onlyA)).toBe(
      `unschedulable: 0/3 nodes are available: 1 ${untoleratedTaintReason('dedicated', 'gpu')}, 2 node(s) didn't match Pod's node affinity/selector.`,
    );
    expect(
      placed(framework, {
        ...onlyA,
        spec: { ...onlyA.spec!, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] },
      }),
    ).toBe('a');
  });
});

describe('NodeUnschedulable', () => {
  it('rejects a cordoned node unless the pod tolerates node.kubernetes.io/unschedulable', () => {
    const { framework } = cluster([node('a', { unschedulable: true })]);
    expect(placed(framework, pod('p'))).toBe('unschedulable: 0/1 nodes are available: 1 node(s) were unschedulable.');
    const tolerant = pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(placed(framework, tolerant)).toBe('a');
  });
});

describe('NodeAffinity', () => {
  const nodes = [
    node('small', { labels: { zone: 'a', cores: '4' } }),
    node('big', { labels: { zone: 'b', cores: '64', ssd: 'true' } }),
    node('plain', { labels: { zone: 'c' } }),
  ];
  const required = (matchExpressions: Array<{ key: string; operator: string; values?: string[] }>): Partial<NonNullable<Pod['spec']>> => ({
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } },
  });

  it.each([
    [[{ key: 'zone', operator: 'In', values: ['b'] }], 'big'],
    [[{ key: 'zone', operator: 'NotIn', values: ['a', 'b'] }], 'plain'],
    [[{ key: 'ssd', operator: 'Exists' }], 'big'],
    [[{ key: 'cores', operator: 'DoesNotExist' }], 'plain'],
    [[{ key: 'cores', operator: 'Gt', values: ['8'] }], 'big'],
    [[{ key: 'cores', operator: 'Lt', values: ['8'] }], 'small'],
  ])('required %j places on %s', (expressions, expected) => {
    const { framework } = cluster(nodes);
    expect(placed(framework, pod('p', required(expressions)))).toBe(expected);
  });

  it('nodeSelector needs every label; preferred terms pick the heaviest match', () => {
    const { framework } = cluster(nodes);
    expect(placed(framework, pod('p', { nodeSelector: { zone: 'a', cores: '4' } }))).toBe('small');
    const preferred = pod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] } },
            { weight: 80, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
          ],
        },
      },
    });
    expect(placed(framework, preferred)).toBe('big');
  });
});

describe('NodePorts', () => {
  it('rejects a node where the host port is taken for the same protocol and overlapping IP', () => {
    const { state, framework } = cluster([node('a'), node('b')]);
    const withPort = (name: string, hostPort: number, protocol = 'TCP', hostIP?: string): Pod =>
      pod(name, {
        containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, protocol, ...(hostIP ? { hostIP } : {}) }] }],
      });
    state.observePod({ ...withPort('held', 8080), spec: { ...withPort('held', 8080).spec!, nodeName: 'a' } });
    state.observePod({ ...withPort('held2', 8080), spec: { ...withPort('held2', 8080, 'TCP', '10.0.0.1').spec!, nodeName: 'b' } });
    expect(placed(framework, withPort('p', 8080))).toBe(
      "unschedulable: 0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.",
    );
    expect(placed(framework, withPort('p', 8080, 'UDP'))).toMatch(/^[ab]$/);
    expect(placed(framework, withPort('p', 8080, 'TCP', '10.0.0.2'))).toBe('b');
  });
});

describe('NodeResourcesFit', () => {
  it('reports every insufficient resource, extended resources and Too many pods', () => {
    const { state, framework } = cluster([node('a', { cpu: '1', pods: '1' }), node('b', { cpu: '1' })]);
    state.observePod({ ...pod('x', {}, '1'), spec: { ...pod('x', {}, '1').spec!, nodeName: 'a' } });
    const gpus = pod('p', { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2', 'example.com/gpu': '2' } } }] });
    expect(placed(framework, gpus)).toBe(
      'unschedulable: 0/2 nodes are available: 1 Too many pods, 2 Insufficient cpu, 2 Insufficient example.com/gpu.',
    );
  });

  it('scores with the documented strategies', () => {
    expect(leastRequested(3000, 4000)).toBe(25);
    expect(mostRequested(3000, 4000)).toBe(75);
    expect(mostRequested(5000, 4000)).toBe(100);
    const shape = [
      { utilization: 0, score: 0 },
      { utilization: 100, score: 100 },
    ];
    expect(brokenLinear(shape, 35)).toBe(35);
    expect(
      brokenLinear(
        [
          { utilization: 0, score: 100 },
          { utilization: 100, score: 0 },
        ],
        35,
      ),
    ).toBe(65);
    expect(DEFAULT_SCORING_STRATEGY.type).toBe('LeastAllocated');
  });
});

describe('NodeResourcesBalancedAllocation and ImageLocality', () => {
  it('balanced: 1 - |cpuFraction - memFraction| / 2', () => {
    expect(balancedScore([0.5, 0.5])).toBe(100);
    expect(balancedScore([0.25, 0.75])).toBe(75);
    expect(balancedScore([1, 0])).toBe(50);
  });

  it('image locality: clamps the spread-scaled sum between 23 MiB and 1000 MiB per container', () => {
    const MB = 1024 * 1024;
    expect(imageScore(10 * MB, 1)).toBe(0);
    expect(imageScore(2000 * MB, 1)).toBe(100);
    expect(imageScore(500 * MB, 1)).toBe(Math.trunc((100 * 477 * MB) / (977 * MB)));
    const { framework } = cluster([node('cold'), node('warm', { images: [{ names: ['registry/app:1.0'], sizeBytes: 900 * MB }] })]);
    const p = pod('p', { containers: [{ name: 'c', image: 'registry/app:1.0', resources: { requests: { cpu: '100m' } } }] });
    expect(placed(framework, p)).toBe('warm');
  });
});

describe('CycleState', () => {
  it('keeps what a plugin wrote for the rest of the cycle', () => {
    const s = new CycleState();
    s.write('k', [1]);
    expect(s.read<number[]>('k')).toEqual([1]);
    expect(podInfo(pod('p')).key).toBe('default/p');
  });
});
