/** PodTopologySpread against the behaviour Kubernetes documents for topology spread constraints. */
import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import {
  ClusterState,
  Code,
  createSchedulerCore,
  CycleState,
  Framework,
  KNOWN_PLUGINS,
  parseSchedulerConfiguration,
  SYSTEM_DEFAULT_CONSTRAINTS,
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  PodTopologySpread,
  podInfo,
} from '@skiff/scheduler';
import { bound, inCluster, labelledPod, scheduleAndAssume, zonedNode } from './inter-pod-fixtures.js';

const ZONE = 'topology.kubernetes.io/zone';
type Constraint = NonNullable<NonNullable<Pod['spec']>['topologySpreadConstraints']>[number];

function spread(c: Partial<Constraint> = {}): Constraint {
  return { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...c };
}

function web(name: string, c: Partial<Constraint> = {}, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return labelledPod(name, { app: 'web' }, { topologySpreadConstraints: [spread(c)], ...spec });
}

function placedOn(r: ReturnType<Framework['schedulePod']>): string {
  return r.kind === 'scheduled' ? r.nodeName : `unschedulable: ${r.message}`;
}

describe('PodTopologySpread: DoNotSchedule', () => {
  it('keeps the skew between zones at most maxSkew (the documented two-zone example)', () => {
    // Zone A: n1 and n2 with one matching pod each; zone B: n3 with one, n4 with none.
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zA'), zonedNode('n3', 'zB'), zonedNode('n4', 'zB')]);
    bound(state, labelledPod('a', { app: 'web' }), 'n1');
    bound(state, labelledPod('b', { app: 'web' }), 'n2');
    bound(state, labelledPod('c', { app: 'web' }), 'n3');
    // zA has 2, zB has 1: placing in zA makes 3 - 1 = 2 > 1.
    expect(placedOn(framework.schedulePod(web('new')))).toBe('n4');
    // Every later pod keeps the zones within one of each other.
    const counts = { zA: 2, zB: 1 };
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      const n = scheduleAndAssume(state, framework, web(name));
      counts[n === 'n1' || n === 'n2' ? 'zA' : 'zB'] += 1;
      expect(Math.abs(counts.zA - counts.zB)).toBeLessThanOrEqual(1);
    }
  });

  it('rejects nodes without the topology key as unresolvable and counts skew violations with upstream wording', () => {
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zB'), zonedNode('n3')]);
    bound(state, labelledPod('a', { app: 'web' }), 'n1');
    bound(state, labelledPod('b', { app: 'web' }), 'n1');
    // The nodeSelector keeps the pod in zA; with nodeAffinityPolicy Ignore zB (0 pods) still sets the minimum.
    const r = framework.schedulePod(web('new', { nodeAffinityPolicy: 'Ignore' }, { nodeSelector: { [ZONE]: 'zA' } }));
    expect(placedOn(r)).toBe(
      `unschedulable: 0/3 nodes are available: 1 ${ERR_REASON_CONSTRAINTS_NOT_MATCH}, 2 node(s) didn't match Pod's node affinity/selector.`,
    );
    const s = framework.schedulePod(web('any'));
    expect(placedOn(s)).toBe('n2');
    const plugin = new PodTopologySpread(framework);
    const state2 = new CycleState();
    const info = podInfo(web('direct'));
    expect(plugin.preFilter(state2, info)).toBeNull();
    expect(plugin.filter(state2, info, state.nodes.get('n3')!)).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH],
    });
  });

  it('minDomains: with fewer domains than minDomains the global minimum is 0', () => {
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zB')]);
    bound(state, labelledPod('a', { app: 'web' }), 'n1');
    bound(state, labelledPod('b', { app: 'web' }), 'n2');
    expect(placedOn(framework.schedulePod(web('two-domains')))).toBe('n1');
    expect(placedOn(framework.schedulePod(web('three-domains', { minDomains: 3 })))).toBe(
      `unschedulable: 0/2 nodes are available: 2 ${ERR_REASON_CONSTRAINTS_NOT_MATCH}.`,
    );
  });

  it('nodeAffinityPolicy Honor (default) leaves out domains the pod cannot use; Ignore counts them', () => {
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zB'), zonedNode('n3', 'zC')]);
    bound(state, labelledPod('a', { app: 'web' }), 'n1');
    bound(state, labelledPod('b', { app: 'web' }), 'n2');
    const notC = {
      nodeSelector: {},
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'NotIn', values: ['zC'] }] }],
          },
        },
      },
    };
    expect(placedOn(framework.schedulePod(web('honor', {}, notC)))).toBe('n1');
    expect(placedOn(framework.schedulePod(web('ignore', { nodeAffinityPolicy: 'Ignore' }, notC)))).toContain('unschedulable');
  });

  it('nodeTaintsPolicy Honor leaves out tainted nodes the pod does not tolerate; Ignore (default) counts them', () => {
    const taint = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zB'), zonedNode('n3', 'zC', { taints: [taint] })]);
    bound(state, labelledPod('a', { app: 'web' }), 'n1');
    bound(state, labelledPod('b', { app: 'web' }), 'n2');
    expect(placedOn(framework.schedulePod(web('ignore')))).toContain('unschedulable');
    expect(placedOn(framework.schedulePod(web('honor', { nodeTaintsPolicy: 'Honor' })))).toBe('n1');
  });

  it('matchLabelKeys narrows the selector to pods with the same values', () => {
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zB')]);
    bound(state, labelledPod('old-1', { app: 'web', rev: '1' }), 'n1');
    bound(state, labelledPod('old-2', { app: 'web', rev: '1' }), 'n1');
    const next = labelledPod('new', { app: 'web', rev: '2' }, { topologySpreadConstraints: [spread({ matchLabelKeys: ['rev'] })] });
    // Only rev=2 pods count: both zones are empty for it, and n2 is emptier (LeastAllocated).
    expect(placedOn(framework.schedulePod(next))).toBe('n2');
    const fill = labelledPod('fill', { app: 'web', rev: '2' }, { topologySpreadConstraints: [spread({ matchLabelKeys: ['rev'] })] });
    bound(state, fill, 'n2');
    // Now rev=2 has 1 in zB and 0 in zA: zA.
    expect(placedOn(framework.schedulePod(next))).toBe('n1');
  });
});

describe('PodTopologySpread: ScheduleAnyway and default constraints', () => {
  it('scores the zone with fewer matching pods higher', () => {
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zA'), zonedNode('n3', 'zB')]);
    bound(state, labelledPod('a', { app: 'web' }), 'n1');
    bound(state, labelledPod('filler-1', { app: 'x' }), 'n3');
    bound(state, labelledPod('filler-2', { app: 'x' }), 'n3');
    // n2 is emptier than n3, but zB has no web pod.
    expect(placedOn(framework.schedulePod(web('soft', { whenUnsatisfiable: 'ScheduleAnyway' })))).toBe('n3');
  });

  it('applies the system defaults (hostname 3, zone 5, ScheduleAnyway) only to pods a Service or ReplicaSet selects', () => {
    const objects = {
      namespaceLabels: () => undefined,
      podSelectors: (p: Pod) => (p.metadata?.labels?.['app'] === 'svc' ? [{ matchLabels: { app: 'svc' } }] : []),
    };
    const { state, framework } = inCluster([zonedNode('n1', 'zA'), zonedNode('n2', 'zA'), zonedNode('n3', 'zB')], objects);
    const plugin = new PodTopologySpread(framework);
    const plain = podInfo(labelledPod('plain', { app: 'plain' }));
    expect(plugin.preFilter(new CycleState(), plain)?.code).toBe(Code.Skip);
    expect(plugin.preScore(new CycleState(), plain, state.nodes.list())?.code).toBe(Code.Skip);
    const selected = podInfo(labelledPod('s', { app: 'svc' }));
    expect(plugin.preFilter(new CycleState(), selected)?.code).toBe(Code.Skip);
    expect(plugin.preScore(new CycleState(), selected, state.nodes.list())).toBeNull();
    // n2 and n3 hold a big unrelated pod each, so LeastAllocated alone keeps choosing n1.
    const big = labelledPod('big', { app: 'other' });
    big.spec!.containers[0]!.resources = { requests: { cpu: '1', memory: '2Gi' } };
    bound(state, { ...big, metadata: { ...big.metadata, name: 'big-2' } }, 'n2');
    bound(state, { ...big, metadata: { ...big.metadata, name: 'big-3' } }, 'n3');
    expect(scheduleAndAssume(state, framework, labelledPod('plain-1', { app: 'plain' }))).toBe('n1');
    expect(scheduleAndAssume(state, framework, labelledPod('plain-2', { app: 'plain' }))).toBe('n1');
    // The service's replicas: the first takes n1, the second goes to the other zone (n3), not to n1 again.
    expect(scheduleAndAssume(state, framework, labelledPod('s-1', { app: 'svc' }))).toBe('n1');
    expect(scheduleAndAssume(state, framework, labelledPod('s-2', { app: 'svc' }))).toBe('n3');
  });
});

describe('pluginConfig of the inter-pod plugins', () => {
  const parse = (pluginConfig: unknown[]): ReturnType<typeof parseSchedulerConfiguration> =>
    parseSchedulerConfiguration({ kind: 'KubeSchedulerConfiguration', profiles: [{ pluginConfig }] }, KNOWN_PLUGINS);

  it('reads hardPodAffinityWeight and List default constraints, and names bad fields', () => {
    const [profile] = parse([
      { name: 'InterPodAffinity', args: { hardPodAffinityWeight: 0 } },
      {
        name: 'PodTopologySpread',
        args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' }] },
      },
    ]);
    expect(profile!.hardPodAffinityWeight).toBe(0);
    expect(profile!.spreadDefaults).toEqual([{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule' }]);
    expect(parse([{ name: 'PodTopologySpread', args: {} }])[0]!.spreadDefaults).toEqual(SYSTEM_DEFAULT_CONSTRAINTS);
    expect(() => parse([{ name: 'InterPodAffinity', args: { hardPodAffinityWeight: 101 } }])).toThrow(
      'profiles[0].pluginConfig[0].args.hardPodAffinityWeight: must be an integer in [0, 100]',
    );
    expect(() =>
      parse([
        {
          name: 'PodTopologySpread',
          args: {
            defaultingType: 'List',
            defaultConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: {} }],
          },
        },
      ]),
    ).toThrow('profiles[0].pluginConfig[0].args.defaultConstraints[0].labelSelector: must not be set for default constraints');
  });

  it('hardPodAffinityWeight 0 turns off the pull of placed pods’ required affinity', () => {
    const [profile] = parse([{ name: 'InterPodAffinity', args: { hardPodAffinityWeight: 0 } }]);
    const state = new ClusterState(createSchedulerCore('ts'));
    for (const n of [zonedNode('n1'), zonedNode('n2')]) state.upsertNode(n);
    const framework = new Framework({ profile: profile!, nodes: state.nodes, core: state.core, bind: () => Promise.resolve() });
    const client = labelledPod(
      'client',
      { app: 'client' },
      {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'server' } }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
      },
    );
    bound(state, client, 'n2');
    // Without the pull, the emptier node wins.
    expect(placedOn(framework.schedulePod(labelledPod('server', { app: 'server' })))).toBe('n1');
  });
});
