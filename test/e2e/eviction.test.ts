/**
 * Node-pressure eviction end to end: `skiff up` with the node's allocatable
 * memory shrunk to 60Mi (`--system-reserved-memory`), real processes and
 * cgroups. A BestEffort pod that grows past what the node offers is evicted
 * (Failed, reason Evicted, upstream's message, DisruptionTarget, an Evicted
 * event); the node reports MemoryPressure and is tainted while it lasts; a
 * Burstable pod within its request keeps running.
 */
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

const Mi = 1024 * 1024;
let cluster: TestCluster;

beforeAll(async () => {
  const reserved = os.totalmem() - 60 * Mi;
  cluster = await startCluster({
    args: [
      `--kubelet-extra-args=--system-reserved-memory=${reserved} --eviction-hard=memory.available<20Mi --housekeeping-interval=0.5 --eviction-pressure-transition-period=30`,
    ],
  });
});

afterAll(async () => {
  await cluster?.stop();
});

async function create(pod: Record<string, unknown>): Promise<void> {
  const file = join(cluster.dataDir, `pod-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod }));
  await cluster.kubectl('create', '-f', file);
}

const getPod = async (name: string): Promise<Pod> => JSON.parse(await cluster.kubectl('get', 'pod', name, '-o', 'json')) as Pod;
const getNode = async (): Promise<Node> => JSON.parse(await cluster.kubectl('get', 'node', cluster.nodeName, '-o', 'json')) as Node;
const condition = (node: Node, type: string): string | undefined => node.status?.conditions?.find((c) => c.type === type)?.status;

describe('node-pressure eviction', () => {
  it('evicts the pod that grows past allocatable memory, and only that one', async () => {
    const node = await getNode();
    expect(node.status?.allocatable?.['memory']).toBe(`${Math.floor((os.totalmem() - (os.totalmem() - 60 * Mi)) / 1024)}Ki`);
    await create({
      metadata: { name: 'calm' },
      spec: { containers: [{ name: 'calm', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { memory: '10Mi' } } }] },
    });
    await waitFor('calm Running', async () => (await getPod('calm')).status?.phase === 'Running', 30_000, 200);
    await create({
      metadata: { name: 'hog' },
      spec: {
        containers: [{ name: 'hog', image: 'python', command: ['python3', '-c', "import time\nx = 'x' * (96 << 20)\ntime.sleep(3600)"] }],
      },
    });
    let sawPressure = false;
    const evicted = await waitFor(
      'hog evicted',
      async () => {
        if (!sawPressure) sawPressure = condition(await getNode(), 'MemoryPressure') === 'True';
        const pod = await getPod('hog');
        return pod.status?.reason === 'Evicted' ? pod : undefined;
      },
      60_000,
      250,
    );
    expect(evicted.status?.phase).toBe('Failed');
    expect(evicted.status?.message).toMatch(
      /^The node was low on resource: memory\. Threshold quantity: 20Mi, available: \S+\. Container hog was using \d+Mi, request is 0, has larger consumption of memory\. $/,
    );
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'TerminationByKubelet',
    });
    expect(evicted.status?.containerStatuses?.[0]?.state?.terminated).toBeDefined();
    // While the node is short of memory, a new BestEffort pod is refused by the kubelet (the test binds it directly).
    await create({
      metadata: { name: 'late' },
      spec: { nodeName: cluster.nodeName, containers: [{ name: 'late', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    const late = await waitFor(
      'late refused',
      async () => {
        const pod = await getPod('late');
        return pod.status?.phase === 'Failed' ? pod : undefined;
      },
      20_000,
      200,
    );
    expect(late.status).toMatchObject({ reason: 'Evicted', message: 'The node was low on resource: [MemoryPressure]. ' });
    // The pressure shows on the node (and the node lifecycle controller taints it) while it lasts, then clears.
    await waitFor('MemoryPressure True', async () => sawPressure || condition(await getNode(), 'MemoryPressure') === 'True', 10_000, 200);
    await waitFor(
      'the memory-pressure taint',
      async () => ((await getNode()).spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/memory-pressure'),
      15_000,
      200,
    );
    const events = await cluster.kubectl('get', 'events', '--field-selector', 'involvedObject.name=hog,reason=Evicted', '-o', 'name');
    expect(events.trim()).not.toBe('');
    const calm = await getPod('calm');
    expect(calm.status?.phase).toBe('Running');
    expect(calm.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    await waitFor('MemoryPressure False again', async () => condition(await getNode(), 'MemoryPressure') === 'False', 60_000, 500);
    // The evicted pod stays Failed (no restart) until it is deleted.
    expect((await getPod('hog')).status?.phase).toBe('Failed');
    await cluster.kubectl('delete', 'pod', 'hog', 'calm', 'late', '--wait=true', '--timeout=60s');
  });
});
