/**
 * Deployments end to end: `skiff up` (real nats-server, apiserver, scheduler,
 * kubelet running pods as processes) driven with the real kubectl: apply,
 * rollout status / history / undo / pause / resume / restart, set image, scale,
 * delete.
 *
 * The controller-manager process runs the ReplicaSet and Deployment
 * controllers; the test checks that it does (its `deployment` work queue is
 * in /metrics) before it starts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

/** Whether the cluster's controller-manager already runs a Deployment controller (its work queue is in /metrics). */
async function clusterRunsDeployments(c: TestCluster): Promise<boolean> {
  const text = await waitFor(
    'controller-manager /metrics',
    async () => {
      const res = await fetch(`http://127.0.0.1:${c.ports.controllerManager}/metrics`);
      return res.ok ? res.text() : undefined;
    },
    10_000,
    200,
  );
  return /^workqueue_depth\{[^}]*name="deployment"/m.test(text);
}

beforeAll(async () => {
  cluster = await startCluster();
  expect(await clusterRunsDeployments(cluster)).toBe(true);
});

afterAll(async () => {
  await cluster?.stop();
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
`;

/** kubectl, retried while the apiserver answers 409 to a write racing the controllers' status updates. */
async function kubectlWrite(...args: string[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const r = await cluster.kubectlResult(...args);
    if (r.code === 0) return r.stdout;
    if (!/the object has been modified/.test(r.stderr) || attempt >= 5) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  }
}

async function rolloutStatus(): Promise<string> {
  return cluster.kubectl('rollout', 'status', 'deployment/web', '--timeout=40s');
}

interface PodRow {
  name: string;
  hash: string;
  phase: string;
  deleting: boolean;
}

async function webPods(): Promise<PodRow[]> {
  const list = JSON.parse(await cluster.kubectl('get', 'pods', '-l', 'app=web', '-o', 'json')) as { items: Pod[] };
  return list.items.map((p) => ({
    name: p.metadata?.name ?? '',
    hash: p.metadata?.labels?.['pod-template-hash'] ?? '',
    phase: p.status?.phase ?? '',
    deleting: p.metadata?.deletionTimestamp !== undefined,
  }));
}

/** Waits until exactly n pods run the template with this hash and no other pod is left. */
async function waitForPods(n: number, hash: string): Promise<void> {
  await waitFor(
    `${n} Running pods of ${hash} and nothing else`,
    async () => {
      const pods = await webPods();
      return pods.length === n && pods.every((p) => p.hash === hash && p.phase === 'Running' && !p.deleting);
    },
    30_000,
    250,
  );
}

async function replicaSets(): Promise<Array<{ name: string; revision: string; replicas: number; hash: string }>> {
  const list = JSON.parse(await cluster.kubectl('get', 'rs', '-l', 'app=web', '-o', 'json')) as { items: ReplicaSet[] };
  return list.items
    .map((rs) => ({
      name: rs.metadata?.name ?? '',
      revision: rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '',
      replicas: rs.spec?.replicas ?? 0,
      hash: rs.metadata?.labels?.['pod-template-hash'] ?? '',
    }))
    .sort((a, b) => Number(a.revision) - Number(b.revision));
}

describe('Deployments with kubectl', () => {
  it('rolls out, updates, shows history, rolls back, pauses, restarts, scales and deletes', async () => {
    const file = join(cluster.dataDir, 'web.yaml');
    writeFileSync(file, DEPLOYMENT);
    expect(await cluster.kubectl('apply', '-f', file)).toContain('deployment.apps/web created');
    expect(await rolloutStatus()).toContain('deployment "web" successfully rolled out');
    const [first] = await replicaSets();
    expect(first?.name).toBe(`web-${first?.hash ?? ''}`);
    await waitForPods(3, first?.hash ?? '');
    expect(await cluster.kubectl('get', 'deployment', 'web')).toMatch(/web\s+3\/3\s+3\s+3\s/);

    // A new template: a second ReplicaSet takes over.
    await kubectlWrite('set', 'image', 'deployment/web', 'main=busybox:1.37');
    expect(await rolloutStatus()).toContain('successfully rolled out');
    const afterUpdate = await replicaSets();
    expect(afterUpdate.map((rs) => [rs.revision, rs.replicas])).toEqual([
      ['1', 0],
      ['2', 3],
    ]);
    const second = afterUpdate[1];
    await waitForPods(3, second?.hash ?? '');
    const history = await cluster.kubectl('rollout', 'history', 'deployment/web');
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE/);
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+<none>$/m);

    // Undo: back to the first ReplicaSet, which becomes revision 3.
    expect(await kubectlWrite('rollout', 'undo', 'deployment/web')).toContain('deployment.apps/web rolled back');
    expect(await rolloutStatus()).toContain('successfully rolled out');
    const afterUndo = await replicaSets();
    expect(afterUndo.map((rs) => [rs.name, rs.revision, rs.replicas])).toEqual([
      [second?.name, '2', 0],
      [first?.name, '3', 3],
    ]);
    await waitForPods(3, first?.hash ?? '');
    expect(await cluster.kubectl('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe(
      'busybox:1.36',
    );

    // Paused: a template change waits for resume.
    expect(await kubectlWrite('rollout', 'pause', 'deployment/web')).toContain('deployment.apps/web paused');
    await kubectlWrite('set', 'image', 'deployment/web', 'main=busybox:1.38');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await replicaSets()).length).toBe(2);
    expect(await kubectlWrite('rollout', 'resume', 'deployment/web')).toContain('deployment.apps/web resumed');
    expect(await rolloutStatus()).toContain('successfully rolled out');
    const afterResume = await replicaSets();
    expect(afterResume.map((rs) => [rs.revision, rs.replicas])).toEqual([
      ['2', 0],
      ['3', 0],
      ['4', 3],
    ]);

    // Restart: a template annotation, so a fresh ReplicaSet (revision 5) with new pods.
    expect(await kubectlWrite('rollout', 'restart', 'deployment/web')).toContain('deployment.apps/web restarted');
    expect(await rolloutStatus()).toContain('successfully rolled out');
    const restarted = (await replicaSets()).at(-1);
    expect([restarted?.revision, restarted?.replicas]).toEqual(['5', 3]);
    await waitForPods(3, restarted?.hash ?? '');

    // kubectl scale through the scale subresource.
    expect(await kubectlWrite('scale', 'deployment/web', '--replicas=5')).toContain('deployment.apps/web scaled');
    expect(await rolloutStatus()).toContain('successfully rolled out');
    await waitForPods(5, restarted?.hash ?? '');
    expect(await cluster.kubectl('get', 'deployment', 'web')).toMatch(/web\s+5\/5\s+5\s+5\s/);

    // Delete: the garbage collector removes the ReplicaSets and their pods (background propagation).
    expect(await cluster.kubectl('delete', 'deployment', 'web')).toContain('deployment.apps "web" deleted');
    await waitFor('the ReplicaSets to be collected', async () => (await replicaSets()).length === 0, 60_000);
    await waitFor('every web pod to be gone', async () => (await webPods()).length === 0, 60_000, 500);
  });
});
