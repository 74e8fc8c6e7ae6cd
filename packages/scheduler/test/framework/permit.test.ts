/** Permit with Wait: the binding cycle holds the pod until allowed, rejected or timed out. */
import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import {
  ClusterState,
  Code,
  createSchedulerCore,
  CycleState,
  DEFAULT_PLUGINS,
  defaultProfiles,
  Framework,
  podInfo,
  status,
  type PermitPlugin,
  type PluginFactory,
  type Status,
} from '@skiff/scheduler';

/** A Permit plugin that answers as told. */
function gate(name: string, answer: { status: Status | null; timeoutMs?: number }): PluginFactory {
  return () => ({ name, permit: () => answer }) satisfies PermitPlugin;
}

function framework(permits: ReadonlyMap<string, PluginFactory>, bound: string[]): Framework {
  const state = new ClusterState(createSchedulerCore('ts'));
  state.upsertNode({ metadata: { name: 'n1' }, spec: {}, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '10' } } });
  const base = defaultProfiles()[0]!;
  return new Framework({
    profile: { ...base, plugins: { ...DEFAULT_PLUGINS, permit: [...permits.keys()].map((name) => ({ name, weight: 0 })) } },
    nodes: state.nodes,
    core: state.core,
    bind: (p, node) => {
      bound.push(`${p.key}@${node}`);
      return Promise.resolve();
    },
    outOfTreeRegistry: permits,
  });
}

const pod: Pod = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
const WAIT = { status: status(Code.Wait), timeoutMs: 60_000 };

describe('Permit', () => {
  it('holds a pod until every waiting plugin allows it, then binds', async () => {
    const bound: string[] = [];
    const f = framework(
      new Map([
        ['GateA', gate('GateA', WAIT)],
        ['GateB', gate('GateB', WAIT)],
      ]),
      bound,
    );
    const cycle = f.runBindingCycle(new CycleState(), podInfo(pod), 'n1');
    const held = f.getWaitingPod('default/p');
    expect(held?.pendingPlugins).toEqual(['GateA', 'GateB']);
    const seen: string[] = [];
    f.iterateOverWaitingPods((w) => seen.push(`${w.pod.metadata?.name}@${w.nodeName}`));
    expect(seen).toEqual(['p@n1']);
    held!.allow('GateA');
    await new Promise((r) => setTimeout(r, 10));
    expect(bound).toEqual([]);
    held!.allow('GateB');
    expect(await cycle).toBeNull();
    expect(bound).toEqual(['default/p@n1']);
    expect(f.getWaitingPod('default/p')).toBeUndefined();
  });

  it('fails the binding cycle when a plugin rejects the waiting pod', async () => {
    const bound: string[] = [];
    const f = framework(new Map([['GateA', gate('GateA', WAIT)]]), bound);
    const cycle = f.runBindingCycle(new CycleState(), podInfo(pod), 'n1');
    f.getWaitingPod('default/p')!.reject('GateA', 'group incomplete');
    const result = await cycle;
    expect(result?.code).toBe(Code.Unschedulable);
    expect(result?.reasons).toEqual(['group incomplete']);
    expect(result?.plugin).toBe('GateA');
    expect(bound).toEqual([]);
  });

  it('rejects the pod when a waiting plugin times out', async () => {
    const bound: string[] = [];
    const f = framework(new Map([['Slow', gate('Slow', { status: status(Code.Wait), timeoutMs: 20 })]]), bound);
    const result = await f.runBindingCycle(new CycleState(), podInfo(pod), 'n1');
    expect(result?.code).toBe(Code.Unschedulable);
    expect(result?.reasons).toEqual(['rejected due to timeout after waiting 20ms at plugin Slow']);
    expect(bound).toEqual([]);
  });

  it('does not wait when another Permit plugin rejects outright', async () => {
    const bound: string[] = [];
    const f = framework(
      new Map([
        ['GateA', gate('GateA', WAIT)],
        ['No', gate('No', { status: status(Code.Unschedulable, 'not now') })],
      ]),
      bound,
    );
    const result = await f.runBindingCycle(new CycleState(), podInfo(pod), 'n1');
    expect(result?.plugin).toBe('No');
    expect(f.getWaitingPod('default/p')).toBeUndefined();
    expect(bound).toEqual([]);
  });
});
