/** The API client over NATS request/reply, against the apiserver's NATS responder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { ApiError, PODS, type Pod } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

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
});
