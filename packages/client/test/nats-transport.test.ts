/** The API client over NATS request/reply, against the apiserver's NATS responder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { ApiError, CONFIGMAPS, PODS, type KubeObject, type Pod } from '@skiff/api';
import { ApiClient, NatsRequester } from '@skiff/client';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { startTestNats } from '../../../test/support/nats.js';

let t: TestApi;
let nc: NatsConnection;
let client: ApiClient;

beforeAll(async () => {
  t = await startTestApi();
  nc = await t.nats.connect();
  client = new ApiClient({ server: t.api.url, nats: nc, userAgent: 'skiff-test-nats' });
});
afterAll(async () => {
  await t.stop();
});

describe('ApiClient over NATS', () => {
  it('createWithoutResult creates (over NATS and HTTP) and rejects as create does', async () => {
    const http = new ApiClient({ server: t.api.url });
    for (const [via, c] of [
      ['nats', client],
      ['http', http],
    ] as const) {
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `quiet-${via}` }, data: { via } };
      await expect(c.createWithoutResult(CONFIGMAPS, 'default', cm)).resolves.toBeUndefined();
      expect((await http.get<KubeObject & { data?: Record<string, string> }>(CONFIGMAPS, 'default', `quiet-${via}`)).data?.via).toBe(via);
      const again = await c.createWithoutResult(CONFIGMAPS, 'default', cm).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(ApiError);
      expect((again as ApiError).code).toBe(409);
      await http.delete(CONFIGMAPS, 'default', `quiet-${via}`);
    }
  });

  it('creates, reads, lists, patches and deletes through the same request chain as HTTP', async () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'over-nats' },
      spec: { containers: [{ name: 'c', image: 'i', command: ['true'] }] },
    };
    const created = await client.create(PODS, 'default', pod);
    expect(created.metadata?.uid).toBeDefined();
    expect((await client.get<Pod>(PODS, 'default', 'over-nats')).spec?.restartPolicy).toBe('Always');
    expect((await client.list<Pod>(PODS, { namespace: 'default' })).items.map((p) => p.metadata?.name)).toContain('over-nats');
    const patched = await client.patch<Pod>(PODS, 'default', 'over-nats', { metadata: { labels: { via: 'nats' } } });
    expect(patched.metadata?.labels?.['via']).toBe('nats');
    // The HTTP view agrees.
    const http = new ApiClient({ server: t.api.url });
    expect((await http.get<Pod>(PODS, 'default', 'over-nats')).metadata?.labels?.['via']).toBe('nats');
    await client.delete(PODS, 'default', 'over-nats');
    const missing = await client.get(PODS, 'default', 'over-nats').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).code).toBe(404);
    expect((missing as ApiError).reason).toBe('NotFound');
  });

  it('answers Status errors with their codes', async () => {
    const bad = await client
      .create(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [] } })
      .catch((e: unknown) => e);
    expect((bad as ApiError).code).toBe(422);
  });

  it('keeps many requests in flight on one connection, each answered with its own reply', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `flight-${i}`);
    const pod = (name: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    await Promise.all(names.map((n) => client.create(PODS, 'default', pod(n))));
    const read = await Promise.all(names.map((n) => client.get<Pod>(PODS, 'default', n)));
    expect(read.map((p) => p.metadata?.name)).toEqual(names);
    await Promise.all(names.map((n) => client.delete(PODS, 'default', n, { gracePeriodSeconds: 0 })));
  });

  it('overNats: a sibling client over NATS, except for a bearer-token client', async () => {
    const http = new ApiClient({ server: t.api.url, userAgent: 'skiff-test' });
    const overNats = http.overNats(nc);
    expect(overNats).toBeDefined();
    expect((await overNats!.list<Pod>(PODS, { namespace: 'default' })).kind).toBe('PodList');
    expect(new ApiClient({ server: t.api.url, token: 'secret' }).overNats(nc)).toBeUndefined();
  });

  it('falls back to HTTP for good when the apiserver answers 401 over NATS (it does not trust NATS subjects)', async () => {
    // Another NATS server whose only responder refuses every request as anonymous.
    const other = await startTestNats();
    try {
      const refusing = await other.connect();
      let refused = 0;
      refusing.subscribe('skiff.api.request', {
        callback: (_err, m) => {
          refused += 1;
          const h = headers();
          h.set('Skiff-Status', '401');
          h.set('Content-Type', 'application/json');
          m.respond(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }), {
            headers: h,
          });
        },
      });
      const client = new ApiClient({ server: t.api.url, userAgent: 'skiff-test' }).overNats(await other.connect())!;
      expect((await client.list<Pod>(PODS, { namespace: 'default' })).kind).toBe('PodList');
      expect((await client.list<Pod>(PODS, { namespace: 'default' })).kind).toBe('PodList');
      expect(refused).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe('NatsRequester', () => {
  it('rejects with NoRespondersError when nobody subscribes to the subject', async () => {
    const requester = new NatsRequester(nc, '_INBOX', 5000);
    const err = await requester.request('skiff.test.nobody', 'x', headers()).catch((e: unknown) => e);
    expect((err as Error).name).toBe('NoRespondersError');
  });

  it('rejects with TimeoutError when the responder never answers', async () => {
    const silent = nc.subscribe('skiff.test.silent');
    try {
      const requester = new NatsRequester(nc, '_INBOX', 200);
      const err = await requester.request('skiff.test.silent', 'x', headers()).catch((e: unknown) => e);
      expect((err as Error).name).toBe('TimeoutError');
    } finally {
      silent.unsubscribe();
    }
  });
});
