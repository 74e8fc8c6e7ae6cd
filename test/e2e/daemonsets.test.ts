/**
 * DaemonSets end to end: `skiff up` (real nats-server, apiserver, scheduler,
 * controller-manager, a kubelet running pods as processes) plus three hollow
 * nodes, driven with the real kubectl: a DaemonSet lands exactly one pod per
 * node (the real one included), `kubectl rollout status daemonset` follows
 * it, and a template change rolls every node to a new pod.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet, Pod } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';
import { startHollowNodes, type HollowNodes } from '../support/hollow.js';

let cluster: TestCluster;
let hollow: HollowNodes;

beforeAll(async () => {
  cluster = await startCluster();
  hollow = await startHollowNodes(cluster, { prefix: 'ds-hollow-', count: 3 });
});

afterAll(async () => {
  await hollow?.stop();
  await cluster?.stop();
});

const DAEMONSET = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
`;

async function livePods(): Promise<Pod[]> {
  const list = JSON.parse(await cluster.kubectl('get', 'pods', '-l', 'app=agent', '-o', 'json')) as { items: Pod[] };
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

describe('DaemonSet', () => {
  it('lands exactly one pod per node and rolls to a new template', async () => {
    const file = join(cluster.dataDir, 'ds.yaml');
    writeFileSync(file, DAEMONSET);
    await cluster.kubectl('apply', '-f', file);
    const nodes = [cluster.nodeName, ...hollow.names].sort();
    const status = await cluster.kubectl('rollout', 'status', 'daemonset/agent', '--timeout=60s');
    expect(status).toContain('daemon set "agent" successfully rolled out');
    const first = await livePods();
    expect(first.map((p) => p.spec?.nodeName).sort()).toEqual(nodes);
    const hashes = new Set(first.map((p) => p.metadata?.labels?.['controller-revision-hash']));
    expect(hashes.size).toBe(1);
    expect(first.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'DaemonSet')).toBe(true);

    const table = await cluster.kubectl('get', 'ds', 'agent');
    expect(table).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/m);
    expect(table).toMatch(/^agent\s+4\s+4\s+4\s+4\s+4\s+<none>/m);

    await cluster.kubectl('set', 'env', 'daemonset/agent', 'ROLL=2');
    const rolled = await cluster.kubectl('rollout', 'status', 'daemonset/agent', '--timeout=90s');
    expect(rolled).toContain('successfully rolled out');
    const after = await waitFor('four updated pods', async () => {
      const pods = await livePods();
      return pods.length === 4 && pods.every((p) => p.spec?.containers[0]?.env?.some((e) => e.name === 'ROLL')) ? pods : undefined;
    });
    expect(after.map((p) => p.spec?.nodeName).sort()).toEqual(nodes);
    expect(after.some((p) => hashes.has(p.metadata?.labels?.['controller-revision-hash']))).toBe(false);
    const ds = JSON.parse(await cluster.kubectl('get', 'ds', 'agent', '-o', 'json')) as DaemonSet;
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4, numberMisscheduled: 0 });
    expect(ds.status?.observedGeneration).toBe(ds.metadata?.generation);
  });
});
