/**
 * Hollow kubelets against a real nats-server, an in-process apiserver and the
 * real scheduler: registration, Ready nodes, heartbeats, pods scheduled across
 * the fleet going Running/Ready, deletion, adoption after a restart, and a
 * stop that leaves no timers; Lease heartbeats (chosen by discovery) and their
 * conflict handling; the spread of periodic work.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASES, NODES, PODS, type Lease, type Node, type Pod } from '@skiff/api';
import { HollowFleet, LeaseHeartbeat, leasesServed, NODE_LEASE_NAMESPACE, SpreadTicker, type HeartbeatTarget } from '@skiff/kubelet';
import { Scheduler } from '@skiff/scheduler';
import { createMetricsRegistry, silentLogger } from '@skiff/telemetry';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

/** Timers keeping the event loop alive. */
function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

function ready(obj: Node | Pod): boolean {
  return obj.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'hollow-test' } },
    spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  };
}

describe('HollowFleet', () => {
  let t: TestApi;
  let nc: NatsConnection;

  beforeAll(async () => {
    t = await startTestApi();
    nc = await t.nats.connect();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('registers Ready nodes, runs scheduled pods to Running/Ready, deletes them, and stops without timers', async () => {
    const timersBefore = activeTimeouts();
    const options = {
      client: t.client,
      nc,
      logger: silentLogger(),
      count: 20,
      prefix: 'hollow-',
      heartbeat: 'node-status' as const,
      heartbeatIntervalMs: 1000,
      startDelay: { minMs: 0, maxMs: 100 },
      readyDelay: { minMs: 50, maxMs: 150 },
      node: { cpu: '2', memory: '8Gi', pods: 20 },
    };
    const metrics = createMetricsRegistry('hollow-kubelet', false);
    const fleet = new HollowFleet({ ...options, metrics });
    await fleet.start();
    expect(fleet.heartbeatMethod).toBe('node-status');

    const nodes = await t.client.list<Node>(NODES, { labelSelector: 'type=hollow' });
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `hollow-${i}`).sort());
    for (const n of nodes.items) {
      expect(ready(n)).toBe(true);
      expect(n.metadata?.labels?.['kubernetes.io/hostname']).toBe(n.metadata?.name);
      expect(n.status?.allocatable).toMatchObject({ cpu: '2', memory: '8Gi', pods: '20' });
    }

    // Heartbeats: every node renews within its interval.
    const firstBeat = new Map(
      nodes.items.map((n) => [n.metadata?.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime]),
    );
    await waitFor(
      'every node to heartbeat again',
      async () => {
        const now = await t.client.list<Node>(NODES, { labelSelector: 'type=hollow' });
        return now.items.every(
          (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime !== firstBeat.get(n.metadata?.name),
        );
      },
      5000,
      200,
    );
    expect(fleet.maxHeartbeatAgeMs()).toBeLessThan(1500);
    expect(await metrics.metrics()).toMatch(/skiff_hollow_heartbeat_duration_seconds_count\{[^}]*method="node-status"[^}]*\} [1-9]/);

    const scheduler = new Scheduler({ client: t.client, nc, logger: silentLogger(), metrics: createMetricsRegistry('scheduler', false) });
    await scheduler.start();
    try {
      const names = Array.from({ length: 100 }, (_, i) => `hollow-pod-${i}`);
      for (const name of names) await t.client.create(PODS, 'default', pod(name));
      const running = await waitFor(
        '100 pods Running and Ready',
        async () => {
          const list = await t.client.list<Pod>(PODS, { namespace: 'default', labelSelector: 'app=hollow-test' });
          return list.items.length === 100 && list.items.every((p) => p.status?.phase === 'Running' && ready(p)) && list.items;
        },
        15_000,
        200,
      );
      const perNode = new Map<string, number>();
      for (const p of running) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
      expect([...perNode.keys()].every((n) => n.startsWith('hollow-'))).toBe(true);
      expect(perNode.size).toBe(20);
      for (const p of running) {
        expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0 });
        expect(p.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBeDefined();
        expect(p.status?.hostIP).toMatch(/^10\./);
      }
      expect(fleet.stats().pods.ready).toBe(100);

      // A restarted fleet adopts its running pods without writing them.
      const revisions = new Map(running.map((p) => [p.metadata?.name, p.metadata?.resourceVersion]));
      await fleet.stop();
      const again = new HollowFleet({ ...options, metrics: createMetricsRegistry('hollow-kubelet', false) });
      await again.start();
      expect(again.stats()).toMatchObject({ registered: 20, pods: { ready: 100, accepted: 0, started: 0 } });
      await new Promise((r) => setTimeout(r, 300));
      const after = await t.client.list<Pod>(PODS, { namespace: 'default', labelSelector: 'app=hollow-test' });
      expect(after.items.every((p) => revisions.get(p.metadata?.name) === p.metadata?.resourceVersion)).toBe(true);

      // Deletion: the fleet reports the containers terminated and removes the pods.
      await Promise.all(names.map((name) => t.client.delete(PODS, 'default', name)));
      await waitFor(
        'the pods to be gone',
        async () => (await t.client.list<Pod>(PODS, { namespace: 'default', labelSelector: 'app=hollow-test' })).items.length === 0,
        10_000,
        200,
      );
      await waitFor('the fleet to forget them', () => Object.values(again.stats().pods).every((n) => n === 0), 5000, 50);
      await again.stop();
      expect(again.stats().timers).toBe(0);
    } finally {
      await scheduler.stop();
    }
    expect(fleet.stats().timers).toBe(0);
    await waitFor('no timers left', () => activeTimeouts() <= timersBefore, 2000, 50);
  });

  it('heartbeats with a Lease per node when discovery lists coordination.k8s.io', async () => {
    expect(await leasesServed(t.client)).toBe(true);
    const fleet = new HollowFleet({
      client: t.client,
      nc,
      logger: silentLogger(),
      metrics: createMetricsRegistry('hollow-kubelet', false),
      count: 5,
      prefix: 'leased-',
      heartbeatIntervalMs: 500,
    });
    await fleet.start();
    try {
      expect(fleet.heartbeatMethod).toBe('lease');
      const leased = async (): Promise<Lease[]> =>
        (await t.client.list<Lease>(LEASES, { namespace: NODE_LEASE_NAMESPACE })).items.filter((l) =>
          l.metadata?.name?.startsWith('leased-'),
        );
      const first = await leased();
      expect(first).toHaveLength(5);
      for (const l of first) {
        const node = await t.client.get<Node>(NODES, '', l.metadata?.name ?? '');
        expect(l.spec).toMatchObject({ holderIdentity: l.metadata?.name, leaseDurationSeconds: 40 });
        expect(String(l.spec?.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        expect(l.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: l.metadata?.name, uid: node.metadata?.uid }]);
      }
      const renewed = new Map(first.map((l) => [l.metadata?.name, l.spec?.renewTime]));
      await waitFor(
        'every lease to be renewed',
        async () => (await leased()).every((l) => l.spec?.renewTime !== renewed.get(l.metadata?.name)),
        3000,
        100,
      );
      expect(fleet.maxHeartbeatAgeMs()).toBeLessThan(1000);
    } finally {
      await fleet.stop();
    }
    expect(fleet.stats().timers).toBe(0);
  });

  it('renews a Lease with its resourceVersion, re-reads it after a conflict, re-creates it when deleted', async () => {
    const hb = new LeaseHeartbeat(t.client);
    const target: HeartbeatTarget = { name: 'solo', index: 0, uid: undefined };
    const get = (): Promise<Lease> => t.client.get<Lease>(LEASES, NODE_LEASE_NAMESPACE, 'solo');
    expect(await hb.renew(target)).toBe('ok');
    const created = await get();
    expect(await hb.renew(target)).toBe('ok');
    const renewed = await get();
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    // Someone else writes it: the cached resourceVersion is stale, so the PUT conflicts and the heartbeat re-reads.
    const other = await t.client.update<Lease>(LEASES, { ...renewed, spec: { ...renewed.spec, holderIdentity: 'someone-else' } });
    expect(await hb.renew(target)).toBe('ok');
    const retaken = await get();
    expect(retaken.spec?.holderIdentity).toBe('solo');
    expect(Number(retaken.metadata?.resourceVersion)).toBeGreaterThan(Number(other.metadata?.resourceVersion));
    await t.client.delete(LEASES, NODE_LEASE_NAMESPACE, 'solo');
    expect(await hb.renew(target)).toBe('ok');
    expect((await get()).spec?.holderIdentity).toBe('solo');
  });
});

describe('SpreadTicker', () => {
  it('spreads items over the interval, bounds concurrency, skips a busy item and retries failures', async () => {
    const firstRun: number[] = [];
    const runs = new Array<number>(10).fill(0);
    let inFlight = 0;
    let maxInFlight = 0;
    let failOnce = true;
    const started = performance.now();
    const ticker = new SpreadTicker({
      count: 10,
      intervalMs: 200,
      concurrency: 2,
      tickMs: 5,
      retryDelayMs: 10,
      run: async (i) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        firstRun[i] ??= performance.now() - started;
        runs[i] = (runs[i] ?? 0) + 1;
        // Item 9 is slow: longer than the interval, so its next round is skipped.
        await new Promise((r) => setTimeout(r, i === 9 ? 250 : 2));
        inFlight -= 1;
        if (i === 3 && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
    });
    ticker.start();
    await new Promise((r) => setTimeout(r, 500));
    await ticker.stop();
    expect(ticker.timerCount).toBe(0);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    // Item i first runs about i/10 of the interval in.
    for (let i = 1; i < 9; i++) expect(firstRun[i]).toBeGreaterThan(firstRun[i - 1] ?? 0);
    expect(firstRun[5]).toBeGreaterThan(80);
    expect(runs[0]).toBeGreaterThanOrEqual(2);
    expect(runs[3]).toBeGreaterThanOrEqual(3);
    expect(ticker.skipped).toBeGreaterThanOrEqual(1);
  });
});
