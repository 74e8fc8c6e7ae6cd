/** InterPodAffinity against the behaviour Kubernetes documents for pod affinity and anti-affinity. */
import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import {
  Code,
  CycleState,
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  InterPodAffinity,
  podInfo,
  type ClusterObjects,
} from '@skiff/scheduler';
import { bound, inCluster, labelledPod, scheduleAndAssume, zonedNode } from './inter-pod-fixtures.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
type Term = {
  labelSelector?: { matchLabels?: Record<string, string> };
  topologyKey: string;
  namespaces?: string[];
  namespaceSelector?: { matchLabels?: Record<string, string> };
};

const antiAffinity = (term: Term): NonNullable<Pod['spec']>['affinity'] => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] },
});
const affinity = (term: Term): NonNullable<Pod['spec']>['affinity'] => ({
  podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] },
});

describe('InterPodAffinity: required anti-affinity', () => {
  it('spreads replicas one per node, counting assumed pods, then reports upstream wording', () => {
    const { state, framework } = inCluster([zonedNode('n1'), zonedNode('n2'), zonedNode('n3')]);
    const replica = (i: number): Pod =>
      labelledPod(
        `web-${i}`,
        { app: 'web' },
        { affinity: antiAffinity({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOST }) },
      );
    const nodes = [0, 1, 2].map((i) => scheduleAndAssume(state, framework, replica(i)));
    expect(new Set(nodes)).toEqual(new Set(['n1', 'n2', 'n3']));
    expect(scheduleAndAssume(state, framework, replica(3))).toBe(
      `unschedulable: 0/3 nodes are available: 3 ${ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH}.`,
    );
  });

  it("honours existing pods' anti-affinity against the incoming pod (symmetry)", () => {
    const { state, framework } = inCluster([zonedNode('n1', 'z1'), zonedNode('n2', 'z1'), zonedNode('n3', 'z2')]);
    bound(
      state,
      labelledPod(
        'guard',
        { app: 'guard' },
        { affinity: antiAffinity({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: ZONE }) },
      ),
      'n1',
    );
    expect(scheduleAndAssume(state, framework, labelledPod('web', { app: 'web' }))).toBe('n3');
    const onlyZ1 = labelledPod('web-z1', { app: 'web' }, { nodeSelector: { [ZONE]: 'z1' } });
    expect(scheduleAndAssume(state, framework, onlyZ1)).toContain(`2 ${ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH}`);
  });

  it('applies terms to the named namespaces, the pod namespace by default, all with namespaceSelector {}', () => {
    const { state, framework } = inCluster([zonedNode('n1'), zonedNode('n2')]);
    bound(state, labelledPod('db', { app: 'db' }, {}, 'other'), 'n1');
    const avoid = (name: string, term: Partial<Term>): Pod =>
      labelledPod(name, {}, { affinity: antiAffinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: HOST, ...term }) });
    // Own namespace only: the db pod in `other` does not count, n1 (tie, smaller name) is fine.
    expect(framework.schedulePod(avoid('a', {})).kind).toBe('scheduled');
    expect(placedOn(framework.schedulePod(avoid('b', { namespaces: ['other'] })))).toBe('n2');
    expect(placedOn(framework.schedulePod(avoid('c', { namespaceSelector: {} })))).toBe('n2');
  });

  it('uses namespace labels for namespaceSelector', () => {
    const objects: ClusterObjects = {
      namespaceLabels: (ns): Record<string, string> => (ns === 'team-a' ? { team: 'a' } : {}),
      podSelectors: () => [],
    };
    const { state, framework } = inCluster([zonedNode('n1'), zonedNode('n2')], objects);
    bound(state, labelledPod('db', { app: 'db' }, {}, 'team-a'), 'n1');
    const avoid = labelledPod(
      'p',
      {},
      {
        affinity: antiAffinity({
          labelSelector: { matchLabels: { app: 'db' } },
          topologyKey: HOST,
          namespaceSelector: { matchLabels: { team: 'a' } },
        }),
      },
    );
    expect(placedOn(framework.schedulePod(avoid))).toBe('n2');
  });
});

function placedOn(r: ReturnType<import('@skiff/scheduler').Framework['schedulePod']>): string {
  return r.kind === 'scheduled' ? r.nodeName : `unschedulable: ${r.message}`;
}

describe('InterPodAffinity: required affinity', () => {
  it('places the pod in the topology domain of a matching pod', () => {
    const { state, framework } = inCluster([zonedNode('n1', 'z1'), zonedNode('n2', 'z2'), zonedNode('n3', 'z2')]);
    bound(state, labelledPod('db', { app: 'db' }), 'n3');
    bound(state, labelledPod('filler', { app: 'x' }, {}), 'n3');
    const p = labelledPod('app', {}, { affinity: affinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: ZONE }) });
    // z2 holds the db pod: n2 (emptier) wins over n3 inside z2; n1 in z1 is filtered out.
    expect(placedOn(framework.schedulePod(p))).toBe('n2');
  });

  it('lets the first pod of a series in when it matches its own term, and rejects otherwise (unresolvable)', () => {
    const { framework } = inCluster([zonedNode('n1', 'z1'), zonedNode('n2')]);
    const self = labelledPod(
      'first',
      { app: 'db' },
      { affinity: affinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: ZONE }) },
    );
    // n2 has no zone label: every topology key must be on the node.
    expect(placedOn(framework.schedulePod(self))).toBe('n1');
    const other = labelledPod(
      'lonely',
      { app: 'web' },
      { affinity: affinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: ZONE }) },
    );
    expect(placedOn(framework.schedulePod(other))).toBe(
      `unschedulable: 0/2 nodes are available: 2 ${ERR_REASON_AFFINITY_RULES_NOT_MATCH}.`,
    );
  });
});

describe('InterPodAffinity: scoring', () => {
  it('prefers the domain of a preferred-affinity match and avoids a preferred-anti-affinity match', () => {
    const { state, framework } = inCluster([zonedNode('n1'), zonedNode('n2'), zonedNode('n3')]);
    bound(state, labelledPod('cache', { app: 'cache' }), 'n2');
    bound(state, labelledPod('noisy', { app: 'noisy' }), 'n1');
    const near = labelledPod(
      'near',
      {},
      {
        affinity: {
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: HOST } },
            ],
          },
        },
      },
    );
    expect(placedOn(framework.schedulePod(near))).toBe('n2');
    const away = labelledPod(
      'away',
      {},
      {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'noisy' } }, topologyKey: HOST } },
            ],
          },
        },
      },
    );
    // n1 holds the noisy pod; n2 and n3 score alike on affinity, n3 is emptier.
    expect(placedOn(framework.schedulePod(away))).toBe('n3');
  });

  it("scores existing pods' required affinity towards the incoming pod with hardPodAffinityWeight", () => {
    const { state, framework } = inCluster([zonedNode('n1'), zonedNode('n2')]);
    bound(
      state,
      labelledPod(
        'client',
        { app: 'client' },
        { affinity: affinity({ labelSelector: { matchLabels: { app: 'server' } }, topologyKey: HOST }) },
      ),
      'n2',
    );
    expect(placedOn(framework.schedulePod(labelledPod('server', { app: 'server' })))).toBe('n2');
  });
});

describe('InterPodAffinity: skipping', () => {
  it('skips PreFilter and PreScore for a pod without terms when no placed pod has any (the fast path stays)', () => {
    const { state, framework } = inCluster([zonedNode('n1')]);
    const plugin = new InterPodAffinity(framework);
    const plain = podInfo(labelledPod('plain', { app: 'x' }));
    expect(plugin.preFilter(new CycleState(), plain)?.code).toBe(Code.Skip);
    expect(plugin.preScore(new CycleState(), plain)?.code).toBe(Code.Skip);
    bound(
      state,
      labelledPod('guard', {}, { affinity: antiAffinity({ labelSelector: { matchLabels: { app: 'y' } }, topologyKey: HOST }) }),
      'n1',
    );
    expect(plugin.preFilter(new CycleState(), plain)).toBeNull();
    // The guard's term selects nothing the plain pod has: no domain gets a weight.
    expect(plugin.preScore(new CycleState(), plain)?.code).toBe(Code.Skip);
    expect(plugin.eventsToRegister().map((e) => e.resource)).toEqual(['Pod', 'Node']);
  });
});

describe('NodeInfoStore: the pods the inter-pod plugins read', () => {
  it('tracks bound and assumed pods, relabels, and forgets them with their node', () => {
    const { state } = inCluster([zonedNode('n1'), zonedNode('n2')]);
    const guard = labelledPod(
      'guard',
      { app: 'g' },
      { affinity: antiAffinity({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOST }) },
    );
    const placed = bound(state, guard, 'n1');
    const assumed = labelledPod('assumed', { app: 'web' });
    state.assume(assumed, 'n2');
    expect(state.nodes.get('n1')!.pods).toEqual([placed]);
    expect(state.nodes.get('n2')!.pods).toEqual([assumed]);
    expect([...state.nodes.nodesWithRequiredAntiAffinity()].map((n) => n.name)).toEqual(['n1']);
    expect(state.nodes.anyPodScoringOthers()).toBe(false);
    // A label change on a bound pod replaces the object the plugins read.
    const relabelled = { ...placed, metadata: { ...placed.metadata, labels: { app: 'g2' } } };
    state.observePod(relabelled);
    expect(state.nodes.get('n1')!.pods).toEqual([relabelled]);
    state.removeNode(zonedNode('n1'));
    expect(state.nodes.nodesWithRequiredAntiAffinity().size).toBe(0);
    expect(state.nodes.nodesWithPodAffinity().size).toBe(0);
  });
});
