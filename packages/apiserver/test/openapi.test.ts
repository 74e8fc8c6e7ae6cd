/** /openapi/v3: the index with hashed links, per group-version documents with Kubernetes' schemas and extensions, ETags. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi({ watchCacheSize: 20 });
});
afterAll(async () => {
  await t.stop();
});

/** The value at a path of property names in parsed JSON. */
function at(value: unknown, ...keys: string[]): unknown {
  let cur = value;
  for (const k of keys) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

describe('/openapi/v3', () => {
  it('links every group version with its hash and serves it with an ETag (304 when unchanged)', async () => {
    const index: unknown = await (await fetch(`${t.api.url}/openapi/v3`)).json();
    const link = String(at(index, 'paths', 'apis/apps/v1', 'serverRelativeURL'));
    expect(link).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const res = await fetch(`${t.api.url}${link}`);
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toBe(`"${link.split('hash=')[1]}"`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const again = await fetch(`${t.api.url}${link}`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${t.api.url}/openapi/v3/apis/nope/v1`)).status).toBe(404);
  });

  it('carries the schemas of the built-in types with descriptions, GVKs and list semantics', async () => {
    const doc: unknown = await (await fetch(`${t.api.url}/openapi/v3/api/v1`)).json();
    const schema = (name: string, ...path: string[]): unknown => at(doc, 'components', 'schemas', `io.k8s.api.core.v1.${name}`, ...path);
    expect(schema('Pod', 'x-kubernetes-group-version-kind')).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    expect(schema('Pod', 'description')).toContain('Pod is a collection of containers');
    expect(schema('Pod', 'properties', 'metadata')).toEqual({
      $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    });
    expect(schema('PodSpec', 'properties', 'containers')).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    });
    expect(schema('PodSpec', 'required')).toEqual(['containers']);
    expect(schema('Container', 'properties', 'image', 'description')).toContain('Container image name.');
    const patch = at(doc, 'paths', '/api/v1/namespaces/{namespace}/pods/{name}', 'patch');
    expect(at(patch, 'x-kubernetes-group-version-kind')).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect((at(patch, 'parameters') as { name: string }[]).map((p) => p.name)).toContain('fieldValidation');
  });
});
