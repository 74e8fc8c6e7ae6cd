/**
 * Cascading deletion end to end: `skiff up` (real nats-server, apiserver,
 * scheduler, kubelet running pods as processes, controller-manager with the
 * garbage collector) driven with the real kubectl. `kubectl delete deployment
 * --cascade=background|foreground|orphan` must leave what Kubernetes leaves:
 * background and foreground take the ReplicaSets and pods with the
 * Deployment (foreground keeps the Deployment, with deletionTimestamp, until
 * its pods are gone); orphan leaves the ReplicaSet, without its owner
 * reference, and its pods running.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

/** Pods that stop at once on SIGTERM, or (slowToStop) that ignore it and last until the kubelet's SIGKILL after the grace period. */
function manifest(name: string, slowToStop: boolean): string {
  const command = slowToStop ? `["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]` : '["sleep", "3600"]';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: busybox:1.36
        command: ${command}
`;
}

async function deploy(name: string, slowToStop = false): Promise<void> {
  const file = join(cluster.dataDir, `${name}.yaml`);
  writeFileSync(file, manifest(name, slowToStop));
  await cluster.kubectl('apply', '-f', file);
  expect(await cluster.kubectl('rollout', 'status', `deployment/${name}`, '--timeout=40s')).toContain('successfully rolled out');
}

async function listOf<T>(resource: string, app: string): Promise<T[]> {
  return (JSON.parse(await cluster.kubectl('get', resource, '-l', `app=${app}`, '-o', 'json')) as { items: T[] }).items;
}

async function deploymentOrUndefined(name: string): Promise<Deployment | undefined> {
  const r = await cluster.kubectlResult('get', 'deployment', name, '-o', 'json');
  if (r.code !== 0) {
    if (/NotFound/.test(r.stderr)) return undefined;
    throw new Error(r.stderr);
  }
  return JSON.parse(r.stdout) as Deployment;
}

async function waitForNothingLeft(app: string): Promise<void> {
  await waitFor(
    `no ReplicaSet and no pod of ${app}`,
    async () => (await listOf<ReplicaSet>('rs', app)).length === 0 && (await listOf<Pod>('pods', app)).length === 0,
    40_000,
    300,
  );
}

describe('kubectl delete --cascade', () => {
  it('background: the Deployment goes at once, then its ReplicaSets and pods', async () => {
    await deploy('gc-bg');
    expect(await cluster.kubectl('delete', 'deployment', 'gc-bg', '--cascade=background')).toContain('deployment.apps "gc-bg" deleted');
    expect(await deploymentOrUndefined('gc-bg')).toBeUndefined();
    await waitForNothingLeft('gc-bg');
  });

  it('foreground: the Deployment stays with deletionTimestamp until its pods are gone, then nothing is left', async () => {
    await deploy('gc-fg', true);
    await cluster.kubectl('delete', 'deployment', 'gc-fg', '--cascade=foreground', '--wait=false');
    let seenHeldWithPods = false;
    await waitFor(
      'the Deployment to be gone',
      async () => {
        // Deployment first: once it is gone, no pod may be left.
        const d = await deploymentOrUndefined('gc-fg');
        const podsLeft = (await listOf<Pod>('pods', 'gc-fg')).length;
        if (d === undefined) {
          expect(podsLeft).toBe(0);
          return true;
        }
        expect(d.metadata?.deletionTimestamp).toBeDefined();
        expect(d.metadata?.finalizers).toContain('foregroundDeletion');
        if (podsLeft > 0) seenHeldWithPods = true;
        return false;
      },
      40_000,
      200,
    );
    expect(seenHeldWithPods).toBe(true);
    await waitForNothingLeft('gc-fg');
  });

  it('orphan: the Deployment goes; its ReplicaSet stays without owner reference and its pods keep running', async () => {
    await deploy('gc-or');
    const [rsBefore] = await listOf<ReplicaSet>('rs', 'gc-or');
    expect(await cluster.kubectl('delete', 'deployment', 'gc-or', '--cascade=orphan')).toContain('deployment.apps "gc-or" deleted');
    expect(await deploymentOrUndefined('gc-or')).toBeUndefined();
    // Give the collector time to do anything it (wrongly) would.
    await new Promise((r) => setTimeout(r, 1500));
    const sets = await listOf<ReplicaSet>('rs', 'gc-or');
    expect(sets.map((rs) => rs.metadata?.uid)).toEqual([rsBefore?.metadata?.uid]);
    expect(sets[0]?.metadata?.ownerReferences ?? []).toEqual([]);
    const pods = await listOf<Pod>('pods', 'gc-or');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata?.deletionTimestamp).toBeUndefined();
      expect(p.status?.phase).toBe('Running');
      expect(p.metadata?.ownerReferences?.map((r) => r.uid)).toEqual([rsBefore?.metadata?.uid]);
    }
    // Deleting the orphaned ReplicaSet (kubectl's default, background) takes its pods.
    await cluster.kubectl('delete', 'rs', '-l', 'app=gc-or');
    await waitForNothingLeft('gc-or');
  });
});
