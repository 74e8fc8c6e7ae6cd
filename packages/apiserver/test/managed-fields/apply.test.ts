/** managedFields, server-side apply (conflicts, force, removal) and fieldValidation against a real apiserver and store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../../test/support/apiserver.js';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi({ watchCacheSize: 20 });
});
afterAll(async () => {
  await t.stop();
});

interface Reply {
  code: number;
  json: Record<string, unknown>;
  warnings: string | null;
}

async function req(method: string, path: string, body?: unknown, contentType = 'application/json', agent = 'tester/1.0'): Promise<Reply> {
  const res = await fetch(`${t.api.url}${path}`, {
    method,
    headers: { 'Content-Type': contentType, Accept: 'application/json', 'User-Agent': agent },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), warnings: res.headers.get('warning') };
}

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  time: string;
}

const managed = (obj: Record<string, unknown>): Entry[] => (obj['metadata'] as { managedFields?: Entry[] }).managedFields ?? [];
const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';
const APPLY = 'application/apply-patch+yaml';

const deployment = (replicas: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'busybox', ...extra }] } },
  },
});

describe('managedFields', () => {
  it('records an Update entry on create, named by fieldManager or the User-Agent', async () => {
    const created = await req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ua' }, data: { a: '1', c: '1' } });
    expect(created.code).toBe(201);
    const [entry] = managed(created.json);
    expect(entry).toMatchObject({
      manager: 'tester',
      operation: 'Update',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:a': {}, 'f:c': {} } },
    });
    expect(entry?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Another manager changes a: it takes the field over.
    const patched = await req('PATCH', `${CM}/ua?fieldManager=editor`, { data: { a: '2', b: '3' } }, 'application/merge-patch+json');
    const entries = managed(patched.json);
    expect(entries.map((e) => e.manager)).toEqual(['tester', 'editor']);
    expect(entries[0]?.fieldsV1).toEqual({ 'f:data': { 'f:c': {} } });
    expect(entries[1]?.fieldsV1).toEqual({ 'f:data': { 'f:a': {}, 'f:b': {} } });
  });

  it('keeps managedFields a client rewrites, tested against the resourceVersion with a JSON patch', async () => {
    const cur = await req('GET', `${CM}/ua`);
    const rv = (cur.json['metadata'] as { resourceVersion: string }).resourceVersion;
    const entries = [
      { manager: 'owner', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } },
    ];
    const r = await req(
      'PATCH',
      `${CM}/ua?fieldManager=kubectl`,
      [
        { op: 'test', path: '/metadata/resourceVersion', value: rv },
        { op: 'replace', path: '/metadata/managedFields', value: entries },
      ],
      'application/json-patch+json',
    );
    expect(r.code).toBe(200);
    expect(managed(r.json).map((e) => [e.manager, e.operation])).toEqual([['owner', 'Apply']]);
  });
});

describe('server-side apply', () => {
  it('creates, conflicts with the fields another manager owns, and takes them with force', async () => {
    const created = await req('POST', `${DEPLOY}?fieldManager=kubectl-client-side-apply`, deployment(2));
    expect(created.code).toBe(201);
    const same = await req('PATCH', `${DEPLOY}/web?fieldManager=kubectl`, deployment(2), APPLY);
    expect(same.code).toBe(200); // equal values: shared ownership, no conflict
    const conflict = await req('PATCH', `${DEPLOY}/web?fieldManager=kubectl&force=false`, deployment(3), APPLY);
    expect(conflict.code).toBe(409);
    expect(conflict.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
        ],
      },
    });
    expect((await req('GET', `${DEPLOY}/web`)).json['spec']).toMatchObject({ replicas: 2 });
    const forced = await req('PATCH', `${DEPLOY}/web?fieldManager=kubectl&force=true`, deployment(3), APPLY);
    expect(forced.code).toBe(200);
    expect(forced.json['spec']).toMatchObject({ replicas: 3 });
    const entries = managed(forced.json);
    const csa = entries.find((e) => e.manager === 'kubectl-client-side-apply');
    expect((csa?.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).toBeUndefined();
    const mine = entries.find((e) => e.manager === 'kubectl' && e.operation === 'Apply');
    expect((mine?.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).toEqual({});
  });

  it('lets two managers own different fields and removes a field its only owner stops applying', async () => {
    const sidecar = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { team: 'a' } } };
    expect((await req('PATCH', `${DEPLOY}/web?fieldManager=labeller`, sidecar, APPLY)).code).toBe(200);
    const withEnv = await req(
      'PATCH',
      `${DEPLOY}/web?fieldManager=kubectl`,
      deployment(3, { env: [{ name: 'MODE', value: 'fast' }] }),
      APPLY,
    );
    expect(withEnv.json['message']).toBeUndefined();
    expect(withEnv.code).toBe(200);
    const container = (): Record<string, unknown> =>
      (withEnvSpec(withEnv.json)['template'] as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0] ?? {};
    expect(container()['env']).toEqual([{ name: 'MODE', value: 'fast' }]);
    const without = await req('PATCH', `${DEPLOY}/web?fieldManager=kubectl`, deployment(3), APPLY);
    const spec = withEnvSpec(without.json);
    const c = (spec['template'] as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0] ?? {};
    expect(c['env']).toBeUndefined();
    expect((without.json['metadata'] as { labels: Record<string, string> }).labels).toEqual({ team: 'a' });
    // The labeller's field survives the other manager's applies; dropping it from its own apply removes it.
    const dropped = await req(
      'PATCH',
      `${DEPLOY}/web?fieldManager=labeller`,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
      APPLY,
    );
    expect((dropped.json['metadata'] as { labels?: Record<string, string> }).labels ?? {}).toEqual({});
  });

  it('creates a missing object (201) and requires a fieldManager', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } };
    const created = await req('PATCH', `${CM}/applied?fieldManager=kubectl`, cm, APPLY);
    expect(created.code).toBe(201);
    expect(managed(created.json)).toMatchObject([{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:k': {} } } }]);
    const noManager = await req('PATCH', `${CM}/applied`, cm, APPLY);
    expect(noManager.code).toBe(400);
  });
});

function withEnvSpec(obj: Record<string, unknown>): Record<string, unknown> {
  return obj['spec'] as Record<string, unknown>;
}

describe('fieldValidation', () => {
  const pod = (name: string): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { foo: 1, containers: [{ name: 'c', image: 'busybox', bar: true }] },
  });
  const PODS = '/api/v1/namespaces/default/pods';

  it('Strict rejects unknown fields with a 400 and stores nothing', async () => {
    const r = await req('POST', `${PODS}?fieldValidation=Strict`, pod('strict'));
    expect(r.code).toBe(400);
    expect(r.json).toMatchObject({
      reason: 'BadRequest',
      message:
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].bar"',
    });
    expect((await req('GET', `${PODS}/strict`)).code).toBe(404);
  });

  it('Warn (the default) warns per field and drops them; Ignore drops them silently', async () => {
    const warned = await req('POST', PODS, pod('warned'));
    expect(warned.code).toBe(201);
    expect(warned.warnings).toContain('299 - "unknown field \\"spec.foo\\""');
    expect(warned.warnings).toContain('299 - "unknown field \\"spec.containers[0].bar\\""');
    const stored = (await req('GET', `${PODS}/warned`)).json['spec'] as Record<string, unknown>;
    expect(stored['foo']).toBeUndefined();
    const ignored = await req('POST', `${PODS}?fieldValidation=Ignore`, pod('ignored'));
    expect(ignored.code).toBe(201);
    expect(ignored.warnings).toBeNull();
    expect((ignored.json['spec'] as Record<string, unknown>)['foo']).toBeUndefined();
    const patched = await req('PATCH', `${PODS}/ignored?fieldValidation=Strict`, { spec: { foo: 2 } }, 'application/merge-patch+json');
    expect(patched.code).toBe(400);
    expect(patched.json['message']).toBe('strict decoding error: unknown field "spec.foo"');
    expect((await req('POST', `${PODS}?fieldValidation=Sometimes`, pod('bad'))).code).toBe(400);
  });

  it('reports duplicate fields: 400 in Strict, a warning in Warn', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup"},"data":{"a":"1","b":"2","a":"3"}}';
    const strict = await req('POST', `${CM}?fieldValidation=Strict`, body);
    expect(strict.code).toBe(400);
    expect(strict.json['message']).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "name", duplicate field "a"',
    );
    const warned = await req('POST', CM, body);
    expect(warned.code).toBe(201);
    expect(warned.warnings).toContain('299 - "duplicate field \\"a\\""');
    expect((warned.json['data'] as Record<string, string>)['a']).toBe('3');
  });
});
