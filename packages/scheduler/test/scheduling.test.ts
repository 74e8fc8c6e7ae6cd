import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import { ClusterState, createSchedulerCore, SchedulingQueue, unschedulableMessage, needsScheduling } from '@skiff/scheduler';
import { emptyScheduleReasons } from '../src/core/contract.js';

function node(name: string, cpu: string, memory: string, pods = '110', unschedulable = false): Node {
  return { metadata: { name }, spec: { unschedulable }, status: { allocatable: { cpu, memory, pods } } };
}

function pod(name: string, cpu?: string, memory?: string, nodeName?: string): Pod {
  const requests: Record<string, string> = {};
  if (cpu !== undefined) requests['cpu'] = cpu;
  if (memory !== undefined) requests['memory'] = memory;
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'i', resources: { requests } }], ...(nodeName === undefined ? {} : { nodeName }) },
    status: { phase: 'Pending' },
  };
}

describe('unschedulableMessage', () => {
  it('sorts "<count> <reason>" strings, as kube-scheduler does', () => {
    expect(
      unschedulableMessage(3, {
        unschedulable: 1,
        tooManyPods: 0,
        insufficientCpu: 2,
        insufficientMemory: 1,
        untoleratedTaint: 0,
        nodeAffinity: 0,
      }),
    ).toBe('0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu.');
    expect(unschedulableMessage(0, emptyScheduleReasons())).toBe('no nodes available to schedule pods');
  });
});

describe.each(['native', 'ts'] as const)('ClusterState over the %s core', (kind) => {
  it('places on the least allocated node and counts bound, assumed and deleted pods once', () => {
    const state = new ClusterState(createSchedulerCore(kind));
    state.upsertNode(node('a', '2', '4Gi'));
    state.upsertNode(node('b', '2', '4Gi'));
    state.observePod(pod('busy', '1500m', '1Gi', 'a'));
    const req = { milliCpu: 500, memoryBytes: 0, nonZeroMilliCpu: 500, nonZeroMemoryBytes: 200 * 1024 * 1024 };
    expect(state.core.schedule(req).nodeName).toBe('b');
    // Assume two on b; the informer then confirms one: still counted once.
    state.assume(pod('x', '1500m', undefined), 'b');
    state.observePod(pod('x', '1500m', undefined, 'b'));
    expect(state.core.schedule({ ...req, milliCpu: 600, nonZeroMilliCpu: 600 }).nodeName).toBeNull();
    state.deletePod(pod('busy', '1500m', '1Gi', 'a'));
    expect(state.core.schedule({ ...req, milliCpu: 600, nonZeroMilliCpu: 600 }).nodeName).toBe('a');
  });

  it('reports why no node fits', () => {
    const state = new ClusterState(createSchedulerCore(kind));
    state.upsertNode(node('a', '1', '1Gi'));
    state.upsertNode(node('c', '8', '1Gi', '110', true));
    const r = state.core.schedule({ milliCpu: 4000, memoryBytes: 0, nonZeroMilliCpu: 4000, nonZeroMemoryBytes: 0 });
    expect(r.nodeName).toBeNull();
    expect(unschedulableMessage(state.core.nodeCount, r.reasons)).toBe(
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.',
    );
  });
});

describe('needsScheduling', () => {
  it('takes unbound, live pods of its scheduler only', () => {
    expect(needsScheduling(pod('a'), 'default-scheduler')).toBe(true);
    expect(needsScheduling(pod('a', undefined, undefined, 'n'), 'default-scheduler')).toBe(false);
    expect(needsScheduling({ ...pod('a'), spec: { ...pod('a').spec!, schedulerName: 'other' } }, 'default-scheduler')).toBe(false);
    expect(needsScheduling({ ...pod('a'), metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }, 'default-scheduler')).toBe(
      false,
    );
  });
});

describe('SchedulingQueue', () => {
  it('pops by priority, then age; parks unschedulable pods until a cluster event', async () => {
    const q = new SchedulingQueue({ initialBackoffMs: 10, maxBackoffMs: 20 });
    q.add('low', 0);
    q.add('high', 100);
    q.add('low2', 0);
    expect((await q.pop())?.key).toBe('high');
    expect((await q.pop())?.key).toBe('low');
    q.markUnschedulable('high');
    q.markUnschedulable('low');
    expect(q.sizes()).toEqual({ active: 1, backoff: 0, unschedulable: 2 });
    q.moveAllToActive();
    expect(q.sizes().unschedulable).toBe(0);
    const keys = [(await q.pop())?.key, (await q.pop())?.key, (await q.pop())?.key];
    expect(keys).toEqual(['low2', 'high', 'low']);
    q.close();
    expect(await q.pop()).toBeUndefined();
  });

  it('keeps priority-then-age order over thousands of pops, adds and deletes (past its compaction points)', () => {
    const q = new SchedulingQueue();
    /** The reference: every waiting pod with its priority and arrival, sorted on demand. */
    const waiting = new Map<string, { priority: number; seq: number }>();
    let seq = 0;
    let rand = 7;
    const next = (n: number): number => (rand = (rand * 48271) % 2147483647) % n;
    const add = (key: string, priority: number): void => {
      q.add(key, priority);
      if (!waiting.has(key)) waiting.set(key, { priority, seq: seq++ });
    };
    for (let i = 0; i < 5000; i++) add(`p${i}`, next(3));
    let popped = 0;
    for (let round = 0; round < 12_000 && waiting.size > 0; round++) {
      const op = next(10);
      if (op === 0) add(`n${round}`, next(3));
      else if (op === 1) {
        const key = [...waiting.keys()][next(waiting.size)]!;
        q.delete(key);
        waiting.delete(key);
      } else {
        const expected = [...waiting].sort((a, b) => b[1].priority - a[1].priority || a[1].seq - b[1].seq)[0]![0];
        const got = q.popActive();
        expect(got?.key).toBe(expected);
        q.done(expected);
        waiting.delete(expected);
        popped += 1;
      }
      if (round % 1000 === 0) expect(q.sizes().active).toBe(waiting.size);
    }
    expect(popped).toBeGreaterThan(4000);
    q.close();
  });
});
