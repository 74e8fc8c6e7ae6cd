/**
 * Node lifecycle end to end: `skiff up` with a 15 s node-monitor grace period
 * (the real kubelet posts status every 10 s) plus three hollow nodes with
 * 1 s Lease heartbeats, driven with the real kubectl. A Deployment's pods
 * request 3 CPUs, so each lands on its own hollow node (the real node has
 * fewer CPUs). Silencing the hollow kubelet of one of them makes that node
 * Unknown with the unreachable taints; its pod, tolerating `unreachable` for
 * 2 s, is evicted and replaced on the free hollow node.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';
import { startHollowNodes, type HollowNodes } from '../support/hollow.js';

let cluster: TestCluster;
let hollow: HollowNodes;

beforeAll(async () => {
  cluster = await startCluster({ env: { SKIFF_NODE_MONITOR_GRACE_PERIOD: '15s', SKIFF_NODE_MONITOR_PERIOD: '1s' } });
  hollow = await startHollowNodes(cluster, { prefix: 'lc-', count: 3, cpu: '4', heartbeatIntervalMs: 1000 });
});

afterAll(async () => {
  await hollow?.stop();
  await cluster?.stop();
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: big
spec:
  replicas: 2
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
        resources: {requests: {cpu: "3"}}
`;

async function pods(): Promise<Pod[]> {
  return (JSON.parse(await cluster.kubectl('get', 'pods', '-l', 'app=big', '-o', 'json')) as { items: Pod[] }).items;
}

async function node(name: string): Promise<Node> {
  return JSON.parse(await cluster.kubectl('get', 'node', name, '-o', 'json')) as Node;
}

describe('node lifecycle', () => {
  it('a node whose heartbeats stop goes Unknown, is tainted unreachable, and its pods are evicted and replaced elsewhere', async () => {
    const file = join(cluster.dataDir, 'big.yaml');
    writeFileSync(file, DEPLOYMENT);
    await cluster.kubectl('apply', '-f', file);
    await cluster.kubectl('rollout', 'status', 'deployment/big', '--timeout=60s');
    const placed = await pods();
    const used = placed.map((p) => p.spec?.nodeName ?? '');
    expect(used.every((n) => hollow.names.includes(n))).toBe(true);
    expect(new Set(used).size).toBe(2);
    const victim = placed[0];
    const dead = victim?.spec?.nodeName ?? '';
    const free = hollow.names.find((n) => !used.includes(n));

    await hollow.silence(dead);
    const down = await waitFor(
      `${dead} to be Unknown and tainted`,
      async () => {
        const n = await node(dead);
        return (n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
      },
      40_000,
      500,
    );
    expect(down.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect((down.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort()).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    // The other nodes stay healthy, the real one included.
    for (const name of [cluster.nodeName, ...hollow.names.filter((n) => n !== dead)]) {
      expect((await node(name)).spec?.taints ?? []).toEqual([]);
    }

    const replaced = await waitFor(
      'the evicted pod to be replaced on the free node',
      async () => {
        const now = await pods();
        const gone = now.find((p) => p.metadata?.name === victim?.metadata?.name);
        const fresh = now.find(
          (p) => p.spec?.nodeName === free && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return gone?.metadata?.deletionTimestamp !== undefined && fresh !== undefined ? fresh : undefined;
      },
      30_000,
      500,
    );
    expect(replaced.spec?.nodeName).toBe(free);
    await cluster.kubectl('rollout', 'status', 'deployment/big', '--timeout=30s');
    const events = await cluster.kubectl('get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'json');
    expect(events).toContain(`Marking for deletion Pod default/${victim?.metadata?.name ?? ''}`);
    const nodeEvents = await cluster.kubectl('get', 'events', '--field-selector', 'reason=NodeNotReady', '-o', 'json');
    expect(nodeEvents).toContain(`Node ${dead} status is now: NodeNotReady`);
  });
});
