/**
 * Inter-pod scheduling end to end: `skiff up` (real kubelet) plus four hollow nodes in two
 * zones, Deployments applied with the real kubectl. Required pod anti-affinity puts one replica
 * per node and parks the surplus replica with kube-scheduler's message; a topology spread
 * constraint over zones (maxSkew 1) balances replicas between the zones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { startCluster, waitFor, writeManifest, type TestCluster } from '../support/cluster.js';
import { startHollowNodes, type HollowNodes } from '../support/hollow.js';

let cluster: TestCluster;
let hollow: HollowNodes;
const ZONE = 'topology.kubernetes.io/zone';

beforeAll(async () => {
  cluster = await startCluster();
  hollow = await startHollowNodes(cluster, { prefix: 'spread-', count: 4 });
  // Two zones of two hollow nodes each; the pods below select hollow nodes only.
  for (const [i, name] of hollow.names.entries()) {
    await cluster.kubectl('label', 'node', name, `${ZONE}=zone-${i < 2 ? 'a' : 'b'}`, 'pool=hollow');
  }
});

afterAll(async () => {
  await hollow?.stop();
  await cluster?.stop();
});

/** A Deployment of `replicas` sleeping pods labelled app=<name> on the hollow pool, with extra pod spec. */
function deployment(name: string, replicas: number, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          nodeSelector: { pool: 'hollow' },
          containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }],
          ...spec,
        },
      },
    },
  });
}

async function pods(app: string): Promise<Pod[]> {
  const list = JSON.parse(await cluster.kubectl('get', 'pods', '-l', `app=${app}`, '-o', 'json')) as { items: Pod[] };
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

/** Waits until `count` pods of the app are bound; returns their node names. */
async function boundNodes(app: string, count: number): Promise<string[]> {
  return waitFor(
    `${count} ${app} pods bound`,
    async () => {
      const nodes = (await pods(app)).map((p) => p.spec?.nodeName ?? '').filter((n) => n !== '');
      return nodes.length === count ? nodes : undefined;
    },
    60_000,
    250,
  );
}

const zoneOf = (node: string): string => (hollow.names.indexOf(node) < 2 ? 'zone-a' : 'zone-b');

describe('pod anti-affinity and topology spread', () => {
  it('spreads anti-affine replicas one per node and parks the surplus one with upstream wording', async () => {
    const antiAffinity = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'solo' } }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      },
    };
    await cluster.kubectl('apply', '-f', writeManifest(cluster, 'solo', deployment('solo', 4, antiAffinity)));
    const nodes = await boundNodes('solo', 4);
    expect([...nodes].sort()).toEqual([...hollow.names].sort());

    await cluster.kubectl('scale', 'deployment/solo', '--replicas=5');
    const message = await waitFor(
      'the fifth replica reported unschedulable',
      async () =>
        (await pods('solo')).flatMap((p) => p.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False')
          ?.message,
      60_000,
      250,
    );
    expect(message).toBe(
      "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 4 node(s) didn't match pod anti-affinity rules. preemption: 0/5 nodes are available: 1 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.",
    );

    // A node joining the pool (label change) is an event InterPodAffinity registered: the parked replica lands there.
    await cluster.kubectl('label', 'node', cluster.nodeName, 'pool=hollow');
    const after = await boundNodes('solo', 5);
    expect(after).toContain(cluster.nodeName);
    await cluster.kubectl('label', 'node', cluster.nodeName, 'pool-');
    await cluster.kubectl('delete', 'deployment', 'solo');
  });

  it('balances replicas across zones with a DoNotSchedule topology spread constraint', async () => {
    const spread = {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'zoned' } } },
      ],
    };
    await cluster.kubectl('apply', '-f', writeManifest(cluster, 'zoned', deployment('zoned', 6, spread)));
    const nodes = await boundNodes('zoned', 6);
    const perZone = new Map<string, number>();
    for (const n of nodes) perZone.set(zoneOf(n), (perZone.get(zoneOf(n)) ?? 0) + 1);
    expect(Object.fromEntries(perZone)).toEqual({ 'zone-a': 3, 'zone-b': 3 });
    await cluster.kubectl('delete', 'deployment', 'zoned');
  });

  it("follows a pod of another namespace chosen by the affinity term's namespaceSelector", async () => {
    // The scheduler reads namespace labels through its own informer (its NATS credentials must allow it).
    const target = hollow.names[2] as string;
    await cluster.kubectl('create', 'namespace', 'team-a');
    await cluster.kubectl('label', 'namespace', 'team-a', 'team=a');
    const pod = (name: string, namespace: string, labels: Record<string, string>, spec: Record<string, unknown>): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }],
          ...spec,
        },
      });
    await cluster.kubectl(
      'apply',
      '-f',
      writeManifest(cluster, 'anchor', pod('anchor', 'team-a', { app: 'anchor' }, { nodeSelector: { 'kubernetes.io/hostname': target } })),
    );
    const follower = pod(
      'follower',
      'default',
      { app: 'follower' },
      {
        nodeSelector: { pool: 'hollow' },
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                labelSelector: { matchLabels: { app: 'anchor' } },
                namespaceSelector: { matchLabels: { team: 'a' } },
                topologyKey: 'kubernetes.io/hostname',
              },
            ],
          },
        },
      },
    );
    await cluster.kubectl('apply', '-f', writeManifest(cluster, 'follower', follower));
    expect(await boundNodes('follower', 1)).toEqual([target]);
    await cluster.kubectl('delete', 'pod', 'follower', '--wait=false');
    await cluster.kubectl('delete', 'namespace', 'team-a', '--wait=false');
  });
});
