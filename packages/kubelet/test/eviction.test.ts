/**
 * Node-pressure eviction, the parts that decide: threshold parsing, the
 * ranking of pods (upstream's memory order), the manager's one-pod-per-round
 * pace, its conditions with the transition period, and upstream's message.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import {
  EvictionManager,
  parseEvictionThresholds,
  rankForMemoryPressure,
  type Observations,
  type PodUsage,
} from '../src/eviction/index.js';

const Mi = 1024 * 1024;

function usage(name: string, workingSetMi: number, requestMi?: number, priority?: number): PodUsage {
  const pod: Pod = {
    metadata: { name, namespace: 'default', uid: name },
    spec: {
      ...(priority === undefined ? {} : { priority }),
      containers: [{ name: 'c', ...(requestMi === undefined ? {} : { resources: { requests: { memory: `${requestMi}Mi` } } }) }],
    },
  };
  return { pod, workingSetBytes: workingSetMi * Mi, containers: new Map([['c', workingSetMi * Mi]]) };
}

describe('eviction thresholds', () => {
  it('parse quantities and percentages; memory.available also guards allocatable', () => {
    const t = parseEvictionThresholds('memory.available<100Mi, nodefs.available<10%,pid.available<1000');
    expect(t).toEqual([
      { signal: 'memory.available', value: { quantity: 100 * Mi } },
      { signal: 'allocatableMemory.available', value: { quantity: 100 * Mi } },
      { signal: 'nodefs.available', value: { percentage: 0.1 } },
      { signal: 'pid.available', value: { quantity: 1000 } },
    ]);
    expect(parseEvictionThresholds('')).toEqual([]);
  });

  it('name the bad entry', () => {
    expect(() => parseEvictionThresholds('memory.free<1Gi')).toThrow(/unknown signal memory.free/);
    expect(() => parseEvictionThresholds('memory.available>1Gi')).toThrow(/signal<quantity/);
    expect(() => parseEvictionThresholds('nodefs.available<120%')).toThrow(/between 0% and 100%/);
    expect(() => parseEvictionThresholds('memory.available<lots')).toThrow(/not a quantity/);
  });
});

describe('ranking under memory pressure', () => {
  it('pods above their requests first, then lower priority, then the most above the request', () => {
    const ranked = rankForMemoryPressure([
      usage('guaranteed-within', 50, 100),
      usage('besteffort-small', 10),
      usage('burstable-over', 80, 40),
      usage('besteffort-big', 60),
      usage('high-priority-over', 500, 0, 1000),
    ]);
    expect(ranked.map((u) => u.pod.metadata?.name)).toEqual([
      'besteffort-big',
      'burstable-over',
      'besteffort-small',
      'high-priority-over',
      'guaranteed-within',
    ]);
  });
});

describe('eviction manager', () => {
  function manager(observations: () => Observations, pods: PodUsage[], transitionMs = 1000) {
    const evicted: Array<{ name: string; message: string }> = [];
    let changes = 0;
    const m = new EvictionManager({
      thresholds: parseEvictionThresholds('memory.available<100Mi'),
      pressureTransitionPeriodMs: transitionMs,
      observe: observations,
      pods: () => pods.filter((p) => !evicted.some((e) => e.name === p.pod.metadata?.name)),
      evict: (pod, message) => {
        evicted.push({ name: pod.metadata?.name ?? '', message });
        return Promise.resolve();
      },
      onPressureChange: () => changes++,
    });
    return { m, evicted, changes: () => changes };
  }

  it('evicts one pod per round while the threshold is met, with upstream’s message', async () => {
    let available = 40 * Mi;
    const pods = [usage('a', 30, 10), usage('b', 70)];
    const { m, evicted, changes } = manager(() => ({ 'memory.available': { available, capacity: 1024 * Mi } }), pods);
    await m.synchronize(1000);
    expect(evicted.map((e) => e.name)).toEqual(['b']);
    expect(evicted[0]?.message).toBe(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 40Mi. Container c was using 70Mi, request is 0, has larger consumption of memory. ',
    );
    expect([...m.conditions()]).toEqual(['MemoryPressure']);
    expect(changes()).toBe(1);
    await m.synchronize(1500);
    expect(evicted.map((e) => e.name)).toEqual(['b', 'a']);
    available = 500 * Mi;
    await m.synchronize(1800);
    expect(evicted).toHaveLength(2);
    // The condition holds for the transition period after the last time the threshold was met.
    expect([...m.conditions()]).toEqual(['MemoryPressure']);
    await m.synchronize(2600);
    expect([...m.conditions()]).toEqual([]);
    expect(changes()).toBe(2);
  });

  it('allocatable pressure: the pods together above allocatable less the threshold', async () => {
    const pods = [usage('hog', 300)];
    const { m, evicted } = manager(
      () => ({
        'memory.available': { available: 20_000 * Mi, capacity: 24_000 * Mi },
        'allocatableMemory.available': { available: 256 * Mi - 300 * Mi, capacity: 256 * Mi },
      }),
      pods,
    );
    await m.synchronize(0);
    expect(evicted.map((e) => e.name)).toEqual(['hog']);
    expect(evicted[0]?.message).toContain('Threshold quantity: 100Mi, available: 0.');
  });
});
