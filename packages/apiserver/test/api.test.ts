/** The REST API against a real store: verbs, Status errors, and that bad input changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;
let base: string;

beforeAll(async () => {
  t = await startTestApi({ watchCacheSize: 20 });
  base = t.api.url;
});
afterAll(async () => {
  await t.stop();
});

async function req(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  accept = 'application/json',
): Promise<{ code: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': contentType, Accept: accept },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const pod = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'] }] },
});

async function podCount(): Promise<number> {
  const r = await req('GET', '/api/v1/namespaces/default/pods');
  return (r.json['items'] as unknown[]).length;
}

describe('apiserver', () => {
  it('creates with defaults, a uid, a creationTimestamp and a resourceVersion from the store', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/pods', pod('p1'));
    expect(r.code).toBe(201);
    const meta = r.json['metadata'] as Record<string, unknown>;
    expect(meta['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(meta['resourceVersion'])).toBeGreaterThan(0);
    const spec = r.json['spec'] as Record<string, unknown>;
    expect(spec['restartPolicy']).toBe('Always');
    expect(spec['terminationGracePeriodSeconds']).toBe(30);
    expect((r.json['status'] as Record<string, unknown>)['phase']).toBe('Pending');
    expect((r.json['status'] as Record<string, unknown>)['qosClass']).toBe('BestEffort');
  });

  it('answers 409 AlreadyExists, and 409 Conflict for a stale resourceVersion', async () => {
    const dup = await req('POST', '/api/v1/namespaces/default/pods', pod('p1'));
    expect(dup.code).toBe(409);
    expect(dup.json).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', message: 'pods "p1" already exists' });
    const current = await req('GET', '/api/v1/namespaces/default/pods/p1');
    const rv = (current.json['metadata'] as Record<string, string>)['resourceVersion'];
    const ok = await req('PUT', '/api/v1/namespaces/default/pods/p1', {
      ...current.json,
      metadata: { ...(current.json['metadata'] as object), labels: { a: 'b' } },
    });
    expect(ok.code).toBe(200);
    expect(Number((ok.json['metadata'] as Record<string, string>)['resourceVersion'])).toBeGreaterThan(Number(rv));
    const stale = await req('PUT', '/api/v1/namespaces/default/pods/p1', {
      ...current.json,
      metadata: { ...(current.json['metadata'] as object), resourceVersion: rv },
    });
    expect(stale.code).toBe(409);
    expect(stale.json['reason']).toBe('Conflict');
    expect(stale.json['message']).toMatch(/the object has been modified/);
  });

  it('answers 404 NotFound for missing objects, namespaces and resources', async () => {
    expect((await req('GET', '/api/v1/namespaces/default/pods/nope')).json).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'pods "nope" not found',
    });
    expect((await req('POST', '/api/v1/namespaces/nope/pods', pod('x'))).json).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "nope" not found',
    });
    expect((await req('GET', '/api/v1/widgets')).code).toBe(404);
    expect((await req('GET', '/apis/apps/v9/deployments')).code).toBe(404);
  });

  it('answers 400 for malformed bodies and 422 Invalid naming each bad field; the store is unchanged', async () => {
    const before = await podCount();
    const bad = await req('POST', '/api/v1/namespaces/default/pods', '{"kind": "Pod", ');
    expect(bad.code).toBe(400);
    expect(bad.json['reason']).toBe('BadRequest');
    const invalid = await req('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'Bad_Name' },
      spec: { containers: [{ name: 'c' }], restartPolicy: 'Sometimes' },
    });
    expect(invalid.code).toBe(422);
    expect(invalid.json['reason']).toBe('Invalid');
    const fields = ((invalid.json['details'] as Record<string, unknown>)['causes'] as Array<{ field: string }>).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.containers[0].image', 'spec.restartPolicy']));
    const noContainers = await req('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'empty' },
      spec: {},
    });
    expect(noContainers.code).toBe(422);
    const wrongKind = await req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } });
    expect(wrongKind.code).toBe(400);
    const huge = await req('POST', '/api/v1/namespaces/default/pods', { ...pod('huge'), pad: 'x'.repeat(4 * 1024 * 1024) });
    expect(huge.code).toBe(413);
    expect(huge.json['reason']).toBe('RequestEntityTooLarge');
    expect(await podCount()).toBe(before);
  });

  it('validates against the published schema: types, enums and formats, one cause per field', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'schema' },
      spec: { dnsPolicy: 'Bogus', containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'abc' }] }] },
    });
    expect(r.code).toBe(422);
    const causes = (r.json['details'] as { causes: Array<{ field: string; reason: string }> }).causes;
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'spec.dnsPolicy', reason: 'FieldValueNotSupported' }),
        expect.objectContaining({ field: 'spec.containers[0].ports[0].containerPort', reason: 'FieldValueTypeInvalid' }),
      ]),
    );
  });

  it('refuses pod spec changes other than the image with 422', async () => {
    const r = await req(
      'PATCH',
      '/api/v1/namespaces/default/pods/p1',
      { spec: { restartPolicy: 'Never' } },
      'application/merge-patch+json',
    );
    expect(r.code).toBe(422);
    const img = await req(
      'PATCH',
      '/api/v1/namespaces/default/pods/p1',
      { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } },
      'application/strategic-merge-patch+json',
    );
    expect(img.code).toBe(200);
    expect(((img.json['spec'] as Record<string, unknown>)['containers'] as Array<{ image: string }>)[0]?.image).toBe('busybox:2');
  });

  it('binds a pod once; a second binding is a 409', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', pod('b1'));
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b1' }, target: { kind: 'Node', name: 'n1' } };
    expect((await req('POST', '/api/v1/namespaces/default/pods/b1/binding', binding)).code).toBe(201);
    const again = await req('POST', '/api/v1/namespaces/default/pods/b1/binding', { ...binding, target: { kind: 'Node', name: 'n2' } });
    expect(again.code).toBe(409);
    const got = await req('GET', '/api/v1/namespaces/default/pods/b1');
    expect((got.json['spec'] as Record<string, unknown>)['nodeName']).toBe('n1');
  });

  it('deletes a bound pod gracefully (deletionTimestamp) and an unbound one at once', async () => {
    const graceful = await req('DELETE', '/api/v1/namespaces/default/pods/b1', { propagationPolicy: 'Background' });
    expect(graceful.code).toBe(200);
    expect((graceful.json['metadata'] as Record<string, unknown>)['deletionTimestamp']).toBeDefined();
    expect((await req('GET', '/api/v1/namespaces/default/pods/b1')).code).toBe(200);
    const final = await req('DELETE', '/api/v1/namespaces/default/pods/b1', { gracePeriodSeconds: 0 });
    expect(final.code).toBe(200);
    expect((await req('GET', '/api/v1/namespaces/default/pods/b1')).code).toBe(404);
    expect((await req('DELETE', '/api/v1/namespaces/default/pods/p1')).code).toBe(200);
    expect((await req('GET', '/api/v1/namespaces/default/pods/p1')).code).toBe(404);
  });

  it('serves Tables, discovery and OpenAPI the way kubectl reads them', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', pod('t1'));
    const table = await req(
      'GET',
      '/api/v1/namespaces/default/pods',
      undefined,
      'application/json',
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    );
    expect(table.json['kind']).toBe('Table');
    expect((table.json['columnDefinitions'] as Array<{ name: string }>).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    const row = (table.json['rows'] as Array<{ cells: unknown[]; object: { kind: string } }>)[0];
    expect(row?.cells.slice(0, 4)).toEqual(['t1', '0/1', 'Pending', '0']);
    expect(row?.object.kind).toBe('PartialObjectMetadata');
    const res = await fetch(`${base}/api`, {
      headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' },
    });
    expect(res.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const plain = await req('GET', '/api/v1');
    expect((plain.json['resources'] as Array<{ name: string }>).map((r) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'pods/binding', 'pods/log', 'nodes', 'namespaces', 'events']),
    );
    expect((await req('GET', '/openapi/v3')).json['paths']).toHaveProperty('api/v1');
    expect((await req('GET', '/openapi/v2')).json['swagger']).toBe('2.0');
  });

  it('negotiates the response type (406 for none it can write) and honours resourceVersionMatch', async () => {
    const none = await fetch(`${base}/api/v1/namespaces/default/pods`, { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    expect(none.status).toBe(406);
    expect(((await none.json()) as { reason: string }).reason).toBe('NotAcceptable');
    const yaml = await fetch(`${base}/api/v1/namespaces`, { headers: { Accept: 'application/yaml' } });
    expect(yaml.headers.get('content-type')).toBe('application/yaml');
    expect(await yaml.text()).toContain('kind: NamespaceList');
    expect((await req('GET', '/api/v1/namespaces/default/pods?resourceVersionMatch=Exact')).code).toBe(400);
    const list = await req('GET', '/api/v1/namespaces/default/pods');
    const rv = (list.json['metadata'] as Record<string, string>)['resourceVersion'];
    expect((await req('GET', `/api/v1/namespaces/default/pods?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`)).code).toBe(200);
    expect((await req('GET', `/api/v1/namespaces/default/pods?resourceVersion=${rv}&resourceVersionMatch=Exact`)).code).toBe(200);
    expect((await req('GET', '/api/v1/namespaces/default/pods?resourceVersion=1&resourceVersionMatch=Exact')).code).toBe(410);
  });

  it('streams watch events from a resourceVersion and answers 410 Expired for one too old', async () => {
    const list = await req('GET', '/api/v1/namespaces/default/pods');
    const rv = (list.json['metadata'] as Record<string, string>)['resourceVersion'];
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, { signal: controller.signal });
    const reader: ReadableStreamDefaultReader<Uint8Array> = res.body!.getReader();
    await req('POST', '/api/v1/namespaces/default/pods', pod('w1'));
    let text = '';
    while (!text.includes('\n')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    const event = JSON.parse(text.split('\n')[0] ?? '{}') as { type: string; object: { metadata: { name: string } } };
    expect(event.type).toBe('ADDED');
    expect(event.object.metadata.name).toBe('w1');
    controller.abort();
    for (let i = 0; i < 25; i++)
      await req('POST', '/api/v1/namespaces/default/events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `e${i}` },
        involvedObject: { kind: 'Pod', name: 'w1' },
      });
    const old = await fetch(`${base}/api/v1/namespaces/default/pods?watch=true&resourceVersion=1`);
    const first = JSON.parse((await old.text()).split('\n')[0] ?? '{}') as { type: string; object: { code: number } };
    expect(first.type).toBe('ERROR');
    expect(first.object.code).toBe(410);
  });
});
