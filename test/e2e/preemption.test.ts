/**
 * Preemption end to end: `skiff up` plus one hollow node with one CPU. A low-priority pod
 * fills the hollow node; a high-priority pod that only fits there preempts it: the victim
 * gets the DisruptionTarget condition, a `Preempted` event and is deleted, the preemptor gets
 * `status.nominatedNodeName` and is bound to that node. The pods carry both a
 * priorityClassName (with its PriorityClass) and the matching `spec.priority`, so the test
 * holds with and without the Priority admission plugin. A pod of higher priority with
 * `preemptionPolicy: Never` then stays Pending with upstream's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, PODS, PRIORITYCLASSES, type KubeObject, type Pod } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';
import { startHollowNodes, type HollowNodes } from '../support/hollow.js';

let cluster: TestCluster;
let hollow: HollowNodes | undefined;
let client: ApiClient;
let nodeName: string;

function pinnedPod(name: string, priorityClassName: string, priority: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      priorityClassName,
      priority,
      terminationGracePeriodSeconds: 1,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
          },
        },
      },
      containers: [
        { name: 'main', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '800m', memory: '64Mi' } } },
      ],
    },
  };
}

async function getPod(name: string): Promise<Pod | undefined> {
  try {
    return await client.get<Pod>(PODS, 'default', name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  cluster = await startCluster();
  client = cluster.client('skiff-test-preemption');
  hollow = await startHollowNodes(cluster, { prefix: 'preempt-', count: 1, cpu: '1' });
  nodeName = hollow.names[0]!;
  await waitFor('the hollow node', async () => (await cluster.kubectl('get', 'nodes', '-o', 'name')).includes(nodeName), 30_000, 200);
  for (const [name, value, preemptionPolicy] of [
    ['e2e-low', 10, undefined],
    ['e2e-high', 1000, undefined],
    ['e2e-higher-never', 2000, 'Never'],
  ] as const) {
    await client.create<KubeObject>(PRIORITYCLASSES, '', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value,
      ...(preemptionPolicy === undefined ? {} : { preemptionPolicy }),
    });
  }
}, 120_000);

afterAll(async () => {
  await hollow?.stop();
  await cluster?.stop();
});

describe('DefaultPreemption', () => {
  it('evicts a lower-priority pod from a full node and binds the preemptor there', async () => {
    await client.create(PODS, 'default', pinnedPod('victim', 'e2e-low', 10));
    await waitFor('victim bound', async () => (await getPod('victim'))?.spec?.nodeName === nodeName, 30_000, 200);
    const victimUid = (await getPod('victim'))?.metadata?.uid;

    await client.create(PODS, 'default', pinnedPod('preemptor', 'e2e-high', 1000));
    // The victim goes first: marked, then deleted (the hollow kubelet finishes its termination).
    const marked = await waitFor(
      'victim marked DisruptionTarget or gone',
      async () => {
        const p = await getPod('victim');
        if (p === undefined || p.metadata?.uid !== victimUid) return 'gone';
        return p.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
      },
      60_000,
      100,
    );
    if (marked !== 'gone') {
      expect(marked.reason).toBe('PreemptionByScheduler');
      expect(marked.status).toBe('True');
    }
    const bound = await waitFor(
      'preemptor bound',
      async () => {
        const p = await getPod('preemptor');
        return p?.spec?.nodeName === nodeName ? p : undefined;
      },
      60_000,
      200,
    );
    expect(bound.status?.nominatedNodeName).toBe(nodeName);
    expect((await getPod('victim'))?.metadata?.uid).not.toBe(victimUid);

    const event = await waitFor(
      'Preempted event',
      async () => {
        const out = await cluster.kubectl('get', 'events', '--field-selector', 'involvedObject.name=victim', '-o', 'json');
        const items = (JSON.parse(out) as { items: Array<{ reason?: string; message?: string; type?: string }> }).items;
        return items.find((e) => e.reason === 'Preempted');
      },
      30_000,
      200,
    );
    expect(event.type).toBe('Normal');
    expect(event.message).toBe(`Preempted by pod ${bound.metadata?.uid ?? ''} on node ${nodeName}`);
  });

  it('leaves the node alone for a pod with preemptionPolicy Never, and says why', async () => {
    const never = pinnedPod('never', 'e2e-high', 1000);
    never.spec = { ...never.spec!, priority: 2000, priorityClassName: 'e2e-higher-never', preemptionPolicy: 'Never' };
    await client.create(PODS, 'default', never);
    const condition = await waitFor(
      'PodScheduled=False',
      async () => (await getPod('never'))?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
      30_000,
      200,
    );
    expect(condition.message).toBe(
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector. not eligible due to preemptionPolicy=Never.",
    );
    const preemptor = await getPod('preemptor');
    expect(preemptor?.spec?.nodeName).toBe(nodeName);
    expect(preemptor?.metadata?.deletionTimestamp).toBeUndefined();
  });
});
