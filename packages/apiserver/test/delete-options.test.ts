/**
 * Delete semantics against a real store: DeleteOptions from the body or the
 * query, the garbage-collection finalizers each propagation policy puts on an
 * object, dry runs, and the 400/422 Status errors for bad options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;
let base: string;

beforeAll(async () => {
  t = await startTestApi();
  base = t.api.url;
});
afterAll(async () => {
  await t.stop();
});

interface Reply {
  code: number;
  json: Record<string, unknown>;
}

async function req(method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const CM = '/api/v1/namespaces/default/configmaps';

async function createConfigMap(name: string, finalizers?: string[]): Promise<void> {
  const r = await req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(finalizers ? { finalizers } : {}) } });
  expect(r.code).toBe(201);
}

function metaOf(r: Reply): { finalizers?: string[]; deletionTimestamp?: string; deletionGracePeriodSeconds?: number } {
  return r.json['metadata'] as { finalizers?: string[]; deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
}

async function patchFinalizers(name: string, finalizers: string[] | null): Promise<Reply> {
  const res = await fetch(`${base}${CM}/${name}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { finalizers } }),
  });
  return { code: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('delete options', () => {
  it('Background (the default for every served resource) removes the object at once', async () => {
    await createConfigMap('bg');
    const r = await req('DELETE', `${CM}/bg`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    expect(r.code).toBe(200);
    expect((await req('GET', `${CM}/bg`)).code).toBe(404);
    await createConfigMap('plain');
    expect((await req('DELETE', `${CM}/plain`)).code).toBe(200);
    expect((await req('GET', `${CM}/plain`)).code).toBe(404);
  });

  it('Foreground keeps the object with deletionTimestamp and the foregroundDeletion finalizer', async () => {
    await createConfigMap('fg');
    const r = await req('DELETE', `${CM}/fg`, { propagationPolicy: 'Foreground' });
    expect(r.code).toBe(200);
    expect(metaOf(r).finalizers).toEqual(['foregroundDeletion']);
    expect(metaOf(r).deletionTimestamp).toBeDefined();
    expect(metaOf(r).deletionGracePeriodSeconds).toBe(0);
    const got = await req('GET', `${CM}/fg`);
    expect(metaOf(got).finalizers).toEqual(['foregroundDeletion']);
    // Removing the finalizer (the garbage collector's job) removes the object.
    expect((await patchFinalizers('fg', null)).code).toBe(200);
    expect((await req('GET', `${CM}/fg`)).code).toBe(404);
  });

  it('Orphan from the query, and the deprecated orphanDependents, put the orphan finalizer; other finalizers stay', async () => {
    await createConfigMap('or', ['example.com/keep']);
    const r = await req('DELETE', `${CM}/or?propagationPolicy=Orphan`);
    expect(metaOf(r).finalizers).toEqual(['example.com/keep', 'orphan']);
    await createConfigMap('od');
    const legacy = await req('DELETE', `${CM}/od`, { orphanDependents: true });
    expect(metaOf(legacy).finalizers).toEqual(['orphan']);
    await createConfigMap('od-false', ['example.com/keep']);
    // orphanDependents=false on an object that stays: 202 Accepted, as kube-apiserver answers.
    const cascade = await req('DELETE', `${CM}/od-false?orphanDependents=false`);
    expect(cascade.code).toBe(202);
    expect(metaOf(cascade).finalizers).toEqual(['example.com/keep']);
    for (const name of ['or', 'od', 'od-false']) await patchFinalizers(name, null);
    expect((await req('GET', `${CM}/or`)).code).toBe(404);
  });

  it('a repeated delete keeps the first policy unless it names another, which replaces it', async () => {
    await createConfigMap('switch');
    await req('DELETE', `${CM}/switch`, { propagationPolicy: 'Foreground' });
    const again = await req('DELETE', `${CM}/switch`);
    expect(metaOf(again).finalizers).toEqual(['foregroundDeletion']);
    const orphan = await req('DELETE', `${CM}/switch`, { propagationPolicy: 'Orphan' });
    expect(metaOf(orphan).finalizers).toEqual(['orphan']);
    const background = await req('DELETE', `${CM}/switch`, { propagationPolicy: 'Background' });
    // No finalizer left: the object goes.
    expect(background.code).toBe(200);
    expect((await req('GET', `${CM}/switch`)).code).toBe(404);
  });

  it('a bound pod deleted in the foreground gets its grace period and the finalizer; grace 0 then marks it for the collector', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'fgpod' },
      spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'busybox' }] },
    };
    expect((await req('POST', '/api/v1/namespaces/default/pods', pod)).code).toBe(201);
    const r = await req('DELETE', '/api/v1/namespaces/default/pods/fgpod', { propagationPolicy: 'Foreground' });
    expect(metaOf(r).deletionGracePeriodSeconds).toBe(30);
    expect(metaOf(r).finalizers).toEqual(['foregroundDeletion']);
    // The kubelet's final delete: the finalizer still holds it, now with grace 0.
    const final = await req('DELETE', '/api/v1/namespaces/default/pods/fgpod', { gracePeriodSeconds: 0 });
    expect(metaOf(final).deletionGracePeriodSeconds).toBe(0);
    expect((await req('GET', '/api/v1/namespaces/default/pods/fgpod')).code).toBe(200);
    const res = await fetch(`${base}/api/v1/namespaces/default/pods/fgpod`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { finalizers: null } }),
    });
    expect(res.status).toBe(200);
    expect((await req('GET', '/api/v1/namespaces/default/pods/fgpod')).code).toBe(404);
  });

  it('dryRun (body or query) answers what would happen and changes nothing', async () => {
    await createConfigMap('dry');
    const body = await req('DELETE', `${CM}/dry`, { propagationPolicy: 'Foreground', dryRun: ['All'] });
    expect(body.code).toBe(200);
    expect(metaOf(body).finalizers).toEqual(['foregroundDeletion']);
    const query = await req('DELETE', `${CM}/dry?dryRun=All&propagationPolicy=Orphan`);
    expect(metaOf(query).finalizers).toEqual(['orphan']);
    expect((await req('DELETE', `${CM}/dry?dryRun=All`)).code).toBe(200);
    const still = await req('GET', `${CM}/dry`);
    expect(still.code).toBe(200);
    expect(metaOf(still).finalizers).toBeUndefined();
    expect(metaOf(still).deletionTimestamp).toBeUndefined();
  });

  it('answers 422 Invalid for bad policies and 400 BadRequest for unreadable options, and changes nothing', async () => {
    await createConfigMap('bad');
    const unknown = await req('DELETE', `${CM}/bad`, { propagationPolicy: 'Sideways' });
    expect(unknown.code).toBe(422);
    expect(unknown.json['reason']).toBe('Invalid');
    expect(unknown.json['message']).toBe(
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"',
    );
    const both = await req('DELETE', `${CM}/bad`, { propagationPolicy: 'Orphan', orphanDependents: true });
    expect(both.code).toBe(422);
    expect((both.json['details'] as { causes: Array<{ field: string }> }).causes[0]?.field).toBe('propagationPolicy');
    expect((await req('DELETE', `${CM}/bad?propagationPolicy=Nope`)).code).toBe(422);
    expect((await req('DELETE', `${CM}/bad`, { dryRun: ['Some'] })).code).toBe(422);
    const wrongType = await req('DELETE', `${CM}/bad`, { propagationPolicy: 3 });
    expect(wrongType.code).toBe(400);
    expect(wrongType.json['reason']).toBe('BadRequest');
    expect((await req('DELETE', `${CM}/bad`, '{not json')).code).toBe(400);
    expect((await req('DELETE', `${CM}/bad?orphanDependents=maybe`)).code).toBe(400);
    expect((await req('DELETE', `${CM}/bad`, { kind: 'Pod' })).code).toBe(400);
    const still = await req('GET', `${CM}/bad`);
    expect(still.code).toBe(200);
    expect(metaOf(still).deletionTimestamp).toBeUndefined();
  });

  it('reads the deleteOptions of an eviction the same way', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ev' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    expect((await req('POST', '/api/v1/namespaces/default/pods', pod)).code).toBe(201);
    const eviction = (deleteOptions: unknown): unknown => ({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'ev' },
      deleteOptions,
    });
    const bad = await req('POST', '/api/v1/namespaces/default/pods/ev/eviction', eviction({ propagationPolicy: 'Bad' }));
    expect(bad.code).toBe(422);
    expect((await req('GET', '/api/v1/namespaces/default/pods/ev')).code).toBe(200);
    expect((await req('POST', '/api/v1/namespaces/default/pods/ev/eviction', eviction({ gracePeriodSeconds: 0 }))).code).toBe(201);
    expect((await req('GET', '/api/v1/namespaces/default/pods/ev')).code).toBe(404);
  });

  it('deletecollection applies the options to every item', async () => {
    for (const name of ['c1', 'c2']) {
      const r = await req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { set: 'c' } } });
      expect(r.code).toBe(201);
    }
    const r = await req('DELETE', `${CM}?labelSelector=set%3Dc`, { propagationPolicy: 'Orphan' });
    expect(r.code).toBe(200);
    const items = r.json['items'] as Array<{ metadata: { finalizers?: string[] } }>;
    expect(items.map((i) => i.metadata.finalizers)).toEqual([['orphan'], ['orphan']]);
    expect((await req('DELETE', `${CM}?labelSelector=set%3Dc`, { propagationPolicy: 'Bad' })).code).toBe(422);
    for (const name of ['c1', 'c2']) await patchFinalizers(name, null);
    expect(((await req('GET', `${CM}?labelSelector=set%3Dc`)).json['items'] as unknown[]).length).toBe(0);
  });
});
