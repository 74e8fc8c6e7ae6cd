/**
 * `skiff capacity`'s computation against a real apiserver: nodes and pods created through the
 * API, listed back, and simulated with both scheduler cores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODES, PODS, type Node, type Pod } from '@skiff/api';
import { parseNodeSelector, parseShape, simulateCapacity, type CapacityReport, formatCapacityText } from '../src/capacity/index.js';
import { UsageError } from '../src/flags.js';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;

function node(
  name: string,
  cpu: string,
  memory: string,
  extra: { pods?: string; storage?: string; labels?: Record<string, string>; cordoned?: boolean } = {},
): Node {
  const allocatable: Record<string, string> = { cpu, memory, pods: extra.pods ?? '110' };
  if (extra.storage !== undefined) allocatable['ephemeral-storage'] = extra.storage;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: extra.labels ?? {} },
    spec: { unschedulable: extra.cordoned === true },
    status: { capacity: allocatable, allocatable },
  };
}

function pod(name: string, nodeName: string | undefined, requests: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'i', resources: { requests } }], ...(nodeName === undefined ? {} : { nodeName }) },
  };
}

async function simulate(shape: string, options: { count?: number; selector?: string } = {}): Promise<CapacityReport[]> {
  const [nodes, pods] = await Promise.all([t.client.list<Node>(NODES), t.client.list<Pod>(PODS)]);
  return (['native', 'ts'] as const).map((core) =>
    simulateCapacity(nodes.items, pods.items, {
      shape: parseShape(shape),
      core,
      ...(options.count === undefined ? {} : { count: options.count }),
      ...(options.selector === undefined ? {} : { nodeSelector: parseNodeSelector(options.selector) }),
    }),
  );
}

/** Both cores give the same answer (timing aside); returns the native one. */
function agreed(reports: CapacityReport[]): CapacityReport {
  const [native, ts] = reports;
  expect({ ...native, simulationMs: 0, core: '' }).toEqual({ ...ts, simulationMs: 0, core: '' });
  return native!;
}

beforeAll(async () => {
  t = await startTestApi();
  // a: 4 cpu 8Gi, holds a 1-cpu 1Gi pod; b: 2 cpu 8Gi; c: 8 cpu 2Gi, 10Gi storage, label disk=ssd; d: cordoned.
  await t.client.create(NODES, '', node('a', '4', '8Gi', { storage: '100Gi', labels: { zone: 'x' } }));
  await t.client.create(NODES, '', node('b', '2', '8Gi', { storage: '100Gi', labels: { zone: 'x' } }));
  await t.client.create(NODES, '', node('c', '8', '2Gi', { storage: '10Gi', labels: { zone: 'y', disk: 'ssd' } }));
  await t.client.create(NODES, '', node('d', '64', '64Gi', { cordoned: true, labels: { zone: 'y' } }));
  await t.client.create(PODS, 'default', pod('held', 'a', { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' }));
  await t.client.create(PODS, 'default', pod('waiting', undefined, { cpu: '100m' }));
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('skiff capacity simulation', () => {
  it('places the shape until one fails and says why, in kube-scheduler words', async () => {
    const r = agreed(await simulate('cpu=1,memory=1Gi'));
    // a: 3 cpu left → 3; b: 2; c: 2Gi → 2; d cordoned.
    expect(r.placed).toBe(7);
    expect(r.placements).toEqual([
      { node: 'a', pods: 3 },
      { node: 'b', pods: 2 },
      { node: 'c', pods: 2 },
    ]);
    expect(r.reason).toBe('0/4 nodes are available: 2 Insufficient cpu, 1 Insufficient memory, 1 node(s) were unschedulable.');
    expect(r.pendingPods).toBe(1);
    expect(r.count).toBeNull();
    expect(formatCapacityText(r, 20)).toContain('7 more pod(s) of cpu=1,memory=1Gi fit on 4 node(s).');
  });

  it('with a count, says whether that many fit and where they go', async () => {
    const fit = agreed(await simulate('cpu=1,memory=1Gi', { count: 2 }));
    expect(fit.fits).toBe(true);
    expect(fit.placed).toBe(2);
    expect(fit.reason).toBeNull();
    // Least allocated first: c (8 cpu, 2Gi) and b score higher than the half-used a.
    expect(fit.placements.reduce((n, p) => n + p.pods, 0)).toBe(2);
    const over = agreed(await simulate('cpu=1,memory=1Gi', { count: 9 }));
    expect(over.fits).toBe(false);
    expect(over.placed).toBe(7);
    expect(over.reason).toMatch(/^0\/4 nodes are available: /);
  });

  it('checks ephemeral storage and pod slots outside the core, and names them', async () => {
    // c has 10Gi of storage: 2 pods of 4Gi; a has 99Gi and b 100Gi, but cpu bounds them (3 and 2).
    const r = agreed(await simulate('cpu=1,ephemeral-storage=4Gi'));
    expect(r.placements).toEqual([
      { node: 'a', pods: 3 },
      { node: 'b', pods: 2 },
      { node: 'c', pods: 2 },
    ]);
    expect(r.reason).toBe('0/4 nodes are available: 2 Insufficient cpu, 1 Insufficient ephemeral-storage, 1 node(s) were unschedulable.');
    const slots = agreed(await simulate('cpu=10m,pods=50'));
    // 110 slots each: a holds one pod (109 free → 2), b and c 2 each.
    expect(slots.placed).toBe(6);
    expect(slots.reason).toBe('0/4 nodes are available: 3 Too many pods, 1 node(s) were unschedulable.');
  });

  it('honours a node selector and reports the nodes it leaves out', async () => {
    const r = agreed(await simulate('cpu=1', { selector: 'disk=ssd' }));
    expect(r.candidateNodes).toBe(2); // c, and the cordoned d (reported as unschedulable)
    expect(r.placements).toEqual([{ node: 'c', pods: 8 }]);
    expect(r.reason).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.",
    );
  });

  it('rejects a malformed shape with a clear message', () => {
    expect(() => parseShape('cpu=lots')).toThrow(UsageError);
    expect(() => parseShape('cpu=lots')).toThrow('cpu=lots is not a quantity');
    expect(() => parseShape('gpu=1')).toThrow('unknown resource "gpu"');
    expect(() => parseShape('cpu=1,cpu=2')).toThrow('cpu is given twice');
    expect(() => parseShape('')).toThrow('give at least one resource');
    expect(() => parseShape('pods=0')).toThrow('pods=0 must be a whole number');
    expect(() => parseNodeSelector('=x')).toThrow('is not key=value');
  });

  it('leaves out a node with a taint the shape does not tolerate, and names the taint as kube-scheduler does', async () => {
    const tainted = node('e', '64', '64Gi');
    tainted.spec = { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] };
    await t.client.create(NODES, '', tainted);
    try {
      const r = agreed(await simulate('cpu=1,memory=1Gi'));
      expect(r.placed).toBe(7);
      expect(r.placements.map((p) => p.node)).not.toContain('e');
      expect(r.reason).toBe(
        '0/5 nodes are available: 2 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable.',
      );
    } finally {
      await t.client.delete(NODES, '', 'e');
    }
  });
});
