/**
 * Hollow kubelets against a real nats-server, an in-process apiserver and the
 * real scheduler: registration, Ready nodes, heartbeats, pods scheduled across
 * the fleet going Running/Ready, deletion, adoption after a restart, and a
 * stop that leaves no timers. Leases against a small fake API (the apiserver
 * does not serve them yet), and the spread of periodic work.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODES, PODS, type Node, type Pod } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { HollowFleet, LeaseHeartbeat, leasesServed, SpreadTicker, type HeartbeatTarget } from '@skiff/kubelet';
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
    const firstBeat = new Map(nodes.items.map((n) => [n.metadata?.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime]));
    await waitFor(
      'every node to heartbeat again',
      async () => {
        const now = await t.client.list<Node>(NODES, { labelSelector: 'type=hollow' });
        return now.items.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime !== firstBeat.get(n.metadata?.name));
      },
      5000,
      200,
    );
    expect(fleet.maxHeartbeatAgeMs()).toBeLessThan(1500);
    expect(await metrics.metrics()).toMatch(/skiff_hollow_heartbeat_duration_seconds_count\{method="node-status",component="hollow-kubelet"\} [1-9]/);

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
      await waitFor('the fleet to forget them', () => again.stats().pods.terminated + again.stats().pods.ready === 0, 5000, 50);
      await again.stop();
      expect(again.stats().timers).toBe(0);
    } finally {
      await scheduler.stop();
    }
    expect(fleet.stats().timers).toBe(0);
    await waitFor('no timers left', () => activeTimeouts() <= timersBefore, 2000, 50);
  });
});

/** A minimal Lease API: GET/POST/PUT with resourceVersion preconditions, and discovery. */
function fakeLeaseApi(): { server: Server; leases: Map<string, Record<string, unknown>>; requests: string[]; bump(name: string): void } {
  const leases = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  let rv = 0;
  const prefix = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
  const send = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const status = (code: number, reason: string): Record<string, unknown> => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: reason });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === '/apis') {
        send(res, 200, { kind: 'APIGroupList', groups: [{ name: 'coordination.k8s.io', versions: [{ groupVersion: 'coordination.k8s.io/v1', version: 'v1' }] }] });
        return;
      }
      const name = req.url?.startsWith(`${prefix}/`) ? decodeURIComponent(req.url.slice(prefix.length + 1)) : undefined;
      const body = text === '' ? {} : (JSON.parse(text) as { metadata?: { name?: string; resourceVersion?: string } });
      const stored = (object: Record<string, unknown>, n: string): Record<string, unknown> => {
        rv += 1;
        const out = { ...object, metadata: { ...(object['metadata'] as object), resourceVersion: String(rv) } };
        leases.set(n, out);
        return out;
      };
      if (req.method === 'GET' && name !== undefined) {
        const l = leases.get(name);
        send(res, l === undefined ? 404 : 200, l ?? status(404, 'NotFound'));
      } else if (req.method === 'POST' && req.url === prefix) {
        const n = body.metadata?.name ?? '';
        if (leases.has(n)) send(res, 409, status(409, 'AlreadyExists'));
        else send(res, 201, stored(body, n));
      } else if (req.method === 'PUT' && name !== undefined) {
        const current = leases.get(name) as { metadata: { resourceVersion: string } } | undefined;
        if (current === undefined) send(res, 404, status(404, 'NotFound'));
        else if (body.metadata?.resourceVersion !== current.metadata.resourceVersion) send(res, 409, status(409, 'Conflict'));
        else send(res, 200, stored(body, name));
      } else send(res, 404, status(404, 'NotFound'));
    });
  });
  return {
    server,
    leases,
    requests,
    bump(name) {
      const l = leases.get(name);
      if (l !== undefined) stored(l, name);
    },
  };
  function stored(object: Record<string, unknown>, n: string): void {
    rv += 1;
    leases.set(n, { ...object, metadata: { ...(object['metadata'] as object), resourceVersion: String(rv) } });
  }
}

describe('LeaseHeartbeat', () => {
  it('creates the Lease on 404, renews it with its resourceVersion, re-reads on 409; discovery picks it', async () => {
    const api = fakeLeaseApi();
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', () => r()));
    try {
      const client = new ApiClient({ server: `http://127.0.0.1:${(api.server.address() as AddressInfo).port}` });
      expect(await leasesServed(client)).toBe(true);
      const hb = new LeaseHeartbeat(client);
      const target: HeartbeatTarget = { name: 'hollow-0', index: 0, uid: 'uid-0' };
      expect(await hb.renew(target)).toBe('ok');
      const created = api.leases.get('hollow-0') as { metadata: { ownerReferences: unknown[] }; spec: Record<string, unknown> };
      expect(created.spec).toMatchObject({ holderIdentity: 'hollow-0', leaseDurationSeconds: 40 });
      expect(String(created.spec['renewTime'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(created.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'hollow-0', uid: 'uid-0' }]);
      api.requests.length = 0;
      expect(await hb.renew(target)).toBe('ok');
      expect(api.requests).toEqual(['PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/hollow-0']);
      api.bump('hollow-0');
      api.requests.length = 0;
      expect(await hb.renew(target)).toBe('ok');
      expect(api.requests.map((r) => r.split(' ')[0])).toEqual(['PUT', 'GET', 'PUT']);
      api.leases.clear();
      api.requests.length = 0;
      expect(await hb.renew(target)).toBe('ok');
      expect(api.requests.map((r) => r.split(' ')[0])).toEqual(['PUT', 'GET', 'POST']);
    } finally {
      await new Promise<void>((r) => api.server.close(() => r()));
    }
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
