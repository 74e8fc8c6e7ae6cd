/**
 * Scheduling plugins end to end: `skiff up` (real kubelet) plus a hollow fleet of three
 * nodes (`skiff kubelet --hollow 3`), nodes labelled and tainted with the real kubectl, pods
 * applied with kubectl: nodeSelector, required node affinity (labels and metadata.name),
 * taints and tolerations, and kube-scheduler's message in PodScheduled=False and the
 * FailedScheduling event when no node fits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { SKIFF_BIN, startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let hollow: ChildProcess | undefined;

async function apply(name: string, spec: Record<string, unknown>): Promise<void> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 3600'] }], ...spec },
  };
  const file = join(cluster.dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(manifest));
  await cluster.kubectl('apply', '-f', file);
}

async function getPod(name: string): Promise<Pod> {
  return JSON.parse(await cluster.kubectl('get', 'pod', name, '-o', 'json')) as Pod;
}

async function nodeOf(name: string): Promise<string> {
  return waitFor(`${name} bound`, async () => (await getPod(name)).spec?.nodeName || undefined, 30_000, 100);
}

beforeAll(async () => {
  cluster = await startCluster();
  hollow = spawn(
    process.execPath,
    [
      SKIFF_BIN,
      'kubelet',
      '--hollow',
      '3',
      '--hollow-prefix',
      'hollow-',
      '--nats',
      cluster.natsUrl,
      '--kubeconfig',
      cluster.kubeconfig,
      '--port',
      '0',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    'four nodes',
    async () => (await cluster.kubectl('get', 'nodes', '-o', 'name')).trim().split('\n').length === 4,
    30_000,
    200,
  );
  await cluster.kubectl('label', 'node', 'hollow-0', 'disk=ssd');
  await cluster.kubectl('label', 'node', 'hollow-1', 'tier=gpu');
  await cluster.kubectl('label', 'node', 'hollow-2', 'zone=z2');
  await cluster.kubectl('taint', 'node', 'hollow-1', 'dedicated=gpu:NoSchedule');
}, 120_000);

afterAll(async () => {
  if (hollow !== undefined && hollow.exitCode === null) {
    const exited = new Promise((r) => hollow!.once('exit', r));
    hollow.kill('SIGTERM');
    await exited;
  }
  await cluster?.stop();
});

describe('scheduling plugins through kubectl', () => {
  it('places by nodeSelector and required node affinity, on hollow nodes and on the real kubelet', async () => {
    await apply('by-selector', { nodeSelector: { disk: 'ssd' } });
    await apply('by-affinity', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }],
          },
        },
      },
    });
    await apply('on-real-node', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [cluster.nodeName] }] }],
          },
        },
      },
    });
    expect(await nodeOf('by-selector')).toBe('hollow-0');
    expect(await nodeOf('by-affinity')).toBe('hollow-2');
    expect(await nodeOf('on-real-node')).toBe(cluster.nodeName);
    await waitFor('on-real-node Running', async () => (await getPod('on-real-node')).status?.phase === 'Running', 30_000, 200);
  });

  it('keeps pods off a tainted node unless they tolerate it, with kube-scheduler message and event', async () => {
    await apply('untolerated', { nodeSelector: { tier: 'gpu' } });
    const expected =
      "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 3 node(s) didn't match Pod's node affinity/selector." +
      ' preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.';
    const condition = await waitFor(
      'PodScheduled=False',
      async () => (await getPod('untolerated')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
      30_000,
      200,
    );
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toBe(expected);
    const events = await waitFor(
      'FailedScheduling event',
      async () => {
        const out = await cluster.kubectl('get', 'events', '--field-selector', 'involvedObject.name=untolerated', '-o', 'json');
        const items = (JSON.parse(out) as { items: Array<{ reason?: string; message?: string }> }).items;
        return items.find((e) => e.reason === 'FailedScheduling');
      },
      30_000,
      200,
    );
    expect(events.message).toBe(expected);

    await apply('tolerated', {
      nodeSelector: { tier: 'gpu' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    });
    expect(await nodeOf('tolerated')).toBe('hollow-1');

    // Removing the taint is an event TaintToleration registered: the parked pod is retried and placed.
    await cluster.kubectl('taint', 'node', 'hollow-1', 'dedicated=gpu:NoSchedule-');
    expect(await nodeOf('untolerated')).toBe('hollow-1');
  });
});
