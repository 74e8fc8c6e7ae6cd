/**
 * `skiff capacity` against what actually happens: the real CLI binary computes how many pods
 * of a shape fit on a real `skiff up` cluster; that many are then created with kubectl and all
 * run, and one more stays Pending with the very reason the command gave.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { milliCpu, type Node, type Pod } from '@skiff/api';
import type { CapacityReport } from '../../packages/cli/src/capacity/index.js';
import { SKIFF_BIN, startCluster, waitFor, type TestCluster } from '../support/cluster.js';

const run = promisify(execFile);
let cluster: TestCluster;

async function skiff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SKIFF_BIN, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function capacity(...args: string[]): Promise<CapacityReport> {
  const r = await skiff('capacity', '--kubeconfig', cluster.kubeconfig, '-o', 'json', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as CapacityReport;
}

function podYaml(name: string, cpu: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    `metadata: {name: ${name}, labels: {app: capacity}}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '  - name: main',
    '    image: busybox',
    '    command: ["sleep", "3600"]',
    `    resources: {requests: {cpu: ${cpu}, memory: 16Mi}}`,
  ].join('\n');
}

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('skiff capacity', () => {
  it('agrees with what happens when that many pods are created', async () => {
    const node = JSON.parse(await cluster.kubectl('get', 'node', cluster.nodeName, '-o', 'json')) as Node;
    const allocatableCpu = milliCpu(node.status?.allocatable?.['cpu'] ?? '0');
    // A shape of which about three fit on this node.
    const cpu = `${Math.max(1, Math.floor(allocatableCpu / 3) - 10)}m`;
    const shape = `cpu=${cpu},memory=16Mi`;
    const report = await capacity('--shape', shape);
    expect(report.placed).toBeGreaterThanOrEqual(3);
    expect(report.placements).toEqual([{ node: cluster.nodeName, pods: report.placed }]);
    expect(report.reason).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    // The TypeScript twin gives the same answer; so does --count.
    expect((await capacity('--shape', shape, '--core', 'ts')).placed).toBe(report.placed);
    const exact = await capacity('--shape', shape, '--count', String(report.placed));
    expect(exact.fits).toBe(true);
    const over = await capacity('--shape', shape, '--count', String(report.placed + 1));
    expect(over.fits).toBe(false);
    expect(over.placed).toBe(report.placed);
    expect(over.reason).toBe(report.reason);

    // Create that many, then one more.
    const file = join(cluster.dataDir, 'capacity.yaml');
    const names = Array.from({ length: report.placed + 1 }, (_, i) => `fit-${i}`);
    writeFileSync(file, names.map((n) => podYaml(n, cpu)).join('\n---\n'));
    await cluster.kubectl('apply', '-f', file);
    const pods = await waitFor(
      'the pods to be placed or refused',
      async () => {
        const list = JSON.parse(await cluster.kubectl('get', 'pods', '-l', 'app=capacity', '-o', 'json')) as { items: Pod[] };
        const decided = list.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled') === true);
        return decided.length === names.length ? list.items : undefined;
      },
      30_000,
      250,
    );
    const scheduled = pods.filter((p) => (p.spec?.nodeName ?? '') !== '');
    const refused = pods.filter((p) => (p.spec?.nodeName ?? '') === '');
    expect(scheduled).toHaveLength(report.placed);
    expect(refused).toHaveLength(1);
    const condition = refused[0]?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(condition?.status).toBe('False');
    // The scheduler adds DefaultPreemption's verdict (every pod here has the same priority).
    expect(condition?.message).toBe(
      `${report.reason} preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`,
    );

    // Now nothing more fits, and the refused pod is reported as pending.
    const after = await capacity('--shape', shape);
    expect(after.placed).toBe(0);
    expect(after.pendingPods).toBe(1);
    const text = await skiff('capacity', '--kubeconfig', cluster.kubeconfig, '--shape', shape);
    expect(text.stdout).toContain(`0 more pod(s) of ${shape} fit on 1 node(s).`);
    expect(text.stdout).toContain('The next one would not fit: 0/1 nodes are available: 1 Insufficient cpu.');
    await cluster.kubectl('delete', '-f', file, '--wait=false');
  });

  it('refuses a bad shape with a usage error', async () => {
    const r = await skiff('capacity', '--kubeconfig', cluster.kubeconfig, '--shape', 'cpu=many');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shape: cpu=many is not a quantity');
  });
});
