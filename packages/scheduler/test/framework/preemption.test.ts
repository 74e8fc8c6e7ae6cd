/**
 * DefaultPreemption, victim selection and node choice, with the cases upstream documents in
 * its default_preemption tests (own pods and numbers), through the real framework with the
 * default profile and a host that records instead of calling the API.
 */
import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import {
  ClusterState,
  createSchedulerCore,
  CycleState,
  defaultProfiles,
  DefaultPreemption,
  ERR_NO_VICTIMS,
  ERR_POLICY_NEVER,
  ERR_TERMINATING_ON_NOMINATED,
  Framework,
  Nominator,
  pickOneNodeForPreemption,
  podHoldings,
  podInfo,
  selectVictimsOnNode,
  type Candidate,
  type PodOnNode,
  type PreemptionHost,
} from '@skiff/scheduler';

function node(name: string, cpu = '4', pods = '110'): Node {
  return { metadata: { name }, spec: {}, status: { allocatable: { cpu, memory: '8Gi', pods } } };
}

function pod(
  name: string,
  cpu: string,
  priority: number,
  extra: { node?: string; start?: string; policy?: string; nominated?: string; deleting?: boolean } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...(extra.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      priority,
      ...(extra.node === undefined ? {} : { nodeName: extra.node }),
      ...(extra.policy === undefined ? {} : { preemptionPolicy: extra.policy }),
      containers: [{ name: 'c', image: 'app', resources: { requests: { cpu, memory: '64Mi' } } }],
    },
    status: {
      phase: extra.node === undefined ? 'Pending' : 'Running',
      ...(extra.start === undefined ? {} : { startTime: extra.start }),
      ...(extra.nominated === undefined ? {} : { nominatedNodeName: extra.nominated }),
    },
  };
}

/** A host over the cluster state that records decisions. */
class RecordingHost implements PreemptionHost {
  readonly preempted: Array<{ preemptor: string; node: string; victims: string[] }> = [];
  readonly cleared: string[] = [];
  constructor(
    private readonly state: ClusterState,
    private readonly nominator: Nominator,
  ) {}
  podsOn(n: string): readonly PodOnNode[] {
    return this.state.podsOn(n);
  }
  preempt(preemptor: Pod, n: string, victims: readonly Pod[]): void {
    this.nominator.nominate(`default/${preemptor.metadata!.name!}`, preemptor, n, podHoldings(preemptor).usage);
    this.preempted.push({ preemptor: preemptor.metadata!.name!, node: n, victims: victims.map((v) => v.metadata!.name!) });
  }
  attempted(): void {}
  preemptionInProgress(): boolean {
    return false;
  }
  clearNomination(p: Pod): void {
    this.cleared.push(p.metadata!.name!);
  }
}

function cluster(nodes: Node[], running: Pod[]): { state: ClusterState; framework: Framework; host: RecordingHost; nominator: Nominator } {
  const state = new ClusterState(createSchedulerCore('ts'));
  for (const n of nodes) state.upsertNode(n);
  for (const p of running) state.observePod(p);
  const nominator = new Nominator();
  const host = new RecordingHost(state, nominator);
  const framework = new Framework({
    profile: defaultProfiles()[0]!,
    nodes: state.nodes,
    core: state.core,
    bind: () => Promise.resolve(),
    nominator,
    preemption: host,
    useCore: false,
  });
  return { state, framework, host, nominator };
}

function victimsOn(framework: Framework, state: ClusterState, preemptor: Pod, nodeName: string): string[] | string {
  const info = podInfo(preemptor);
  const cycle = new CycleState();
  const r = selectVictimsOnNode(framework, cycle, info, state.nodes.get(nodeName)!, state.podsOn(nodeName));
  return 'victims' in r ? r.victims.map((v) => v.metadata!.name!) : r.status.reasons.join(', ');
}

describe('selectVictimsOnNode', () => {
  it('evicts the lower-priority pods that are in the way and reprieves a small one (medium is preempted, low stays)', () => {
    const { state, framework } = cluster([node('n1')], [pod('low', '500m', 1, { node: 'n1' }), pod('mid', '2500m', 5, { node: 'n1' })]);
    expect(victimsOn(framework, state, pod('p', '3', 10), 'n1')).toEqual(['mid']);
  });

  it('reprieves the most important pods first, so the least important go', () => {
    const { state, framework } = cluster(
      [node('n1')],
      [
        pod('a', '1', 1, { node: 'n1' }),
        pod('b', '1', 2, { node: 'n1' }),
        pod('c', '1', 3, { node: 'n1' }),
        pod('d', '1', 4, { node: 'n1' }),
      ],
    );
    // Two cores are needed: the two highest (d, c) stay, the two lowest go, most important first.
    expect(victimsOn(framework, state, pod('p', '2', 10), 'n1')).toEqual(['b', 'a']);
  });

  it('with equal priorities, the pod that started earlier is more important and stays', () => {
    const { state, framework } = cluster(
      [node('n1', '2')],
      [
        pod('old', '1', 1, { node: 'n1', start: '2026-01-01T00:00:00Z' }),
        pod('new', '1', 1, { node: 'n1', start: '2026-01-02T00:00:00Z' }),
      ],
    );
    expect(victimsOn(framework, state, pod('p', '1', 10), 'n1')).toEqual(['new']);
  });

  it('never evicts pods of equal or higher priority', () => {
    const { state, framework } = cluster([node('n1', '2')], [pod('same', '1', 10, { node: 'n1' }), pod('high', '1', 20, { node: 'n1' })]);
    expect(victimsOn(framework, state, pod('p', '1', 10), 'n1')).toBe(ERR_NO_VICTIMS);
  });

  it('reports the Filter reason when evicting every lower-priority pod is not enough', () => {
    const { state, framework } = cluster([node('n1', '2')], [pod('low', '1', 1, { node: 'n1' }), pod('high', '1', 20, { node: 'n1' })]);
    expect(victimsOn(framework, state, pod('p', '1500m', 10), 'n1')).toBe('Insufficient cpu');
  });

  it('counts pod slots: one victim frees a slot on a full node', () => {
    const { state, framework } = cluster(
      [node('n1', '4', '2')],
      [pod('a', '100m', 1, { node: 'n1' }), pod('b', '100m', 2, { node: 'n1' })],
    );
    expect(victimsOn(framework, state, pod('p', '100m', 10), 'n1')).toEqual(['a']);
  });
});

describe('pickOneNodeForPreemption', () => {
  const c = (nodeName: string, victims: Pod[]): Candidate => ({ node: nodeName, victims, pdbViolations: 0 });
  const v = (name: string, priority: number, start?: string): Pod => pod(name, '1', priority, start === undefined ? {} : { start });

  it('takes a node that needs no eviction at once', () => {
    expect(pickOneNodeForPreemption([c('a', [v('x', 1)]), c('b', [])])?.node).toBe('b');
  });

  it('prefers the node whose most important victim has the lowest priority', () => {
    expect(pickOneNodeForPreemption([c('a', [v('x', 5), v('y', 1)]), c('b', [v('z', 3), v('w', 3), v('u', 3)])])?.node).toBe('b');
  });

  it('with the same highest priority, the smallest sum of priorities', () => {
    expect(pickOneNodeForPreemption([c('a', [v('x', 5), v('y', 4)]), c('b', [v('z', 5), v('w', 2)])])?.node).toBe('b');
  });

  it('sums priorities shifted to be positive, so negative priorities do not favour more victims', () => {
    // a: -1 + -1 would be the smaller plain sum; shifted, one victim of -1 is less.
    expect(pickOneNodeForPreemption([c('a', [v('x', -1), v('y', -1)]), c('b', [v('z', -1)])])?.node).toBe('b');
  });

  it('more victims of the same priority cost more', () => {
    const a = c('a', [v('x', 0), v('y', 0)]);
    const b = c('b', [v('z', 0)]);
    expect(pickOneNodeForPreemption([a, b])?.node).toBe('b');
  });

  it('then the latest start among the most important victims', () => {
    const early = c('early', [v('x', 3, '2026-01-01T00:00:00Z')]);
    const late = c('late', [v('y', 3, '2026-01-05T00:00:00Z')]);
    expect(pickOneNodeForPreemption([early, late])?.node).toBe('late');
    expect(pickOneNodeForPreemption([late, early])?.node).toBe('late');
  });

  it('then the first candidate; none when there are none', () => {
    expect(pickOneNodeForPreemption([c('a', [v('x', 1)]), c('b', [v('y', 1)])])?.node).toBe('a');
    expect(pickOneNodeForPreemption([])).toBeUndefined();
  });
});

describe('nominated pods in Filter', () => {
  for (const core of ['native', 'ts'] as const) {
    it(`keep lower-priority pods off the room they hold, with the ${core} core deciding`, () => {
      const state = new ClusterState(createSchedulerCore(core));
      state.upsertNode(node('n1', '4'));
      state.upsertNode(node('n2', '4'));
      state.observePod(pod('busy', '2', 0, { node: 'n2' }));
      const nominator = new Nominator();
      const framework = new Framework({
        profile: defaultProfiles()[0]!,
        nodes: state.nodes,
        core: state.core,
        bind: () => Promise.resolve(),
        nominator,
      });
      // n1 (empty) is the best node; a nominated priority-10 pod holds 3 of its 4 CPUs.
      const big = pod('big', '3', 10);
      nominator.nominate('default/big', big, 'n1', podHoldings(big).usage);
      const low = framework.schedulePod(pod('low', '1500m', 5));
      expect(low.kind === 'scheduled' && low.nodeName).toBe('n2');
      // Equal priority counts too; higher priority does not see it.
      expect(framework.schedulePod(pod('equal', '1500m', 10)).kind === 'scheduled').toBe(true);
      const high = framework.schedulePod(pod('high', '1500m', 11));
      expect(high.kind === 'scheduled' && high.nodeName).toBe('n1');
      // The nominated pod itself is not blocked by its own nomination.
      const self = framework.schedulePod(big);
      expect(self.kind === 'scheduled' && self.nodeName).toBe('n1');
    });
  }
});

describe('DefaultPreemption in the framework', () => {
  it('preempts on the node with the least important victims and nominates the pod there', () => {
    const { framework, host } = cluster(
      [node('n1'), node('n2'), node('n3')],
      [
        pod('n1-a', '3', 5, { node: 'n1' }),
        pod('n2-a', '2', 1, { node: 'n2' }),
        pod('n2-b', '1500m', 2, { node: 'n2' }),
        pod('n3-a', '4', 100, { node: 'n3' }),
      ],
    );
    const r = framework.schedulePod(pod('p', '3', 10));
    expect(r.kind).toBe('unschedulable');
    expect(host.preempted).toEqual([{ preemptor: 'p', node: 'n2', victims: ['n2-b', 'n2-a'] }]);
  });

  it('counts the nominated pod on its node for lower-priority pods, and lets the preemptor in once the victims are gone', () => {
    const { state, framework, host } = cluster([node('n1', '2')], [pod('low', '2', 1, { node: 'n1' })]);
    const preemptor = pod('p', '2', 10);
    framework.schedulePod(preemptor);
    expect(host.preempted).toEqual([{ preemptor: 'p', node: 'n1', victims: ['low'] }]);
    state.deletePod(pod('low', '2', 1, { node: 'n1' }));
    // A lower-priority newcomer does not take the room the victim left...
    const newcomer = framework.schedulePod(pod('other', '1', 5));
    expect(newcomer.kind).toBe('unschedulable');
    // ... (and does not preempt the nominated preemptor, which is not on the node yet) ...
    expect(host.preempted).toHaveLength(1);
    // ... but a higher-priority one may.
    expect(framework.schedulePod(pod('vip', '1', 50)).kind).toBe('scheduled');
    // The preemptor lands on its nominated node.
    const again = framework.schedulePod({ ...preemptor, status: { ...preemptor.status, nominatedNodeName: 'n1' } });
    expect(again.kind === 'scheduled' && again.nodeName).toBe('n1');
  });

  it('does not preempt with preemptionPolicy Never, and says so', () => {
    const { framework, host } = cluster([node('n1', '1')], [pod('low', '1', 1, { node: 'n1' })]);
    const r = framework.schedulePod(pod('p', '1', 10, { policy: 'Never' }));
    expect(host.preempted).toEqual([]);
    expect(r.kind === 'unschedulable' && r.message).toBe(`0/1 nodes are available: 1 Insufficient cpu. ${ERR_POLICY_NEVER}`);
  });

  it('waits instead of preempting again while a victim on its nominated node terminates', () => {
    const { framework, host } = cluster([node('n1', '1')], [pod('low', '1', 1, { node: 'n1', deleting: true })]);
    const r = framework.schedulePod(pod('p', '1', 10, { nominated: 'n1' }));
    expect(host.preempted).toEqual([]);
    expect(r.kind === 'unschedulable' && r.message).toContain(ERR_TERMINATING_ON_NOMINATED);
  });

  it("reports upstream's preemption message when no node has victims, and clears the nomination", () => {
    const { framework, host } = cluster(
      [node('n1', '1'), node('n2', '1')],
      [pod('a', '1', 10, { node: 'n1' }), pod('b', '1', 0, { node: 'n2' })],
    );
    const r = framework.schedulePod(pod('p', '1', 0));
    expect(r.kind === 'unschedulable' && r.message).toBe(
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
    expect(host.cleared).toEqual(['p']);
  });

  it('does not try nodes Filter rejected as unresolvable', () => {
    const tainted: Node = { ...node('n1', '1'), spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] } };
    const { framework, host } = cluster([tainted], [pod('low', '1', 1, { node: 'n1' })]);
    const r = framework.schedulePod(pod('p', '1', 10));
    expect(host.preempted).toEqual([]);
    expect(r.kind === 'unschedulable' && r.message).toContain(
      'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    );
  });

  it('without a host, never preempts and adds nothing to the message', () => {
    const state = new ClusterState(createSchedulerCore('ts'));
    state.upsertNode(node('n1', '1'));
    state.observePod(pod('low', '1', 1, { node: 'n1' }));
    const framework = new Framework({
      profile: defaultProfiles()[0]!,
      nodes: state.nodes,
      core: state.core,
      bind: () => Promise.resolve(),
    });
    const r = framework.schedulePod(pod('p', '1', 10));
    expect(r.kind === 'unschedulable' && r.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('starts at the node the random offset names and collects at most max(10%, 100) candidates', () => {
    const nodes = Array.from({ length: 3 }, (_, i) => node(`n${i}`, '1'));
    const running = nodes.map((n, i) => pod(`low${i}`, '1', 1, { node: n.metadata!.name! }));
    const { framework, state } = cluster(nodes, running);
    const host = new RecordingHost(state, new Nominator());
    const plugin = new DefaultPreemption(framework, host, () => 0.5);
    const diagnosis = {
      nodeStatuses: new Map(nodes.map((n) => [n.metadata!.name!, { code: 'Unschedulable' as const, reasons: ['Insufficient cpu'] }])),
      rejectors: new Set<string>(),
    };
    const r = plugin.postFilter(new CycleState(), podInfo(pod('p', '1', 10)), diagnosis);
    // All three are equal candidates; the first collected (offset 1 of 3) wins the tie.
    expect(r.nominatedNodeName).toBe('n1');
  });
});
