/**
 * /openapi/v2: the Swagger 2.0 document as JSON and as gnostic protobuf.
 * The protobuf is decoded by protobufjs with gnostic's field numbers
 * (fixtures/openapiv2-subset.proto), an independent decoder, and must say
 * exactly what the JSON says. Plus the wire writer against our reader, and
 * what kubectl relies on in the document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { WireReader } from '../src/http/protobuf/wire.js';
import { WireWriter } from '../src/http/protobuf/wire-writer.js';
import { GNOSTIC_V2_CONTENT_TYPE } from '../src/openapi/gnostic.js';
import type { SchemaObject } from '../src/openapi/schemas.js';
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem } from '../src/openapi/swagger.js';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi({ watchCacheSize: 20 });
});
afterAll(async () => {
  await t.stop();
});

describe('WireWriter', () => {
  it('writes what WireReader reads: varints at their byte boundaries, strings, doubles, nested messages', () => {
    const varints = [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
    const inner = new WireWriter().string(1, 'héllo ✓').double(2, -1.5);
    const w = new WireWriter();
    for (const v of varints) w.varint(3, v);
    w.bool(4, true).message(5, inner).string(536870911, 'x'.repeat(300));
    const r = new WireReader(w.finish());
    for (const v of varints) {
      expect(r.readTag()).toEqual({ field: 3, wireType: 0 });
      expect(r.readVarint()).toBe(BigInt(v));
    }
    expect([r.readTag(), r.readVarint()]).toEqual([{ field: 4, wireType: 0 }, 1n]);
    expect(r.readTag()).toEqual({ field: 5, wireType: 2 });
    const nested = new WireReader(r.readBytes());
    expect(nested.readTag()).toEqual({ field: 1, wireType: 2 });
    expect(new TextDecoder().decode(nested.readBytes())).toBe('héllo ✓');
    expect(nested.readTag()).toEqual({ field: 2, wireType: 1 });
    const bits = nested.readFixed64();
    expect(new DataView(new BigUint64Array([bits]).buffer).getFloat64(0, true)).toBe(-1.5);
    expect(nested.done).toBe(true);
    expect(r.readTag()).toEqual({ field: 536870911, wireType: 2 });
    expect(r.readBytes().length).toBe(300);
    expect(r.done).toBe(true);
    expect(() => new WireWriter().varint(1, -1)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------
// The decoded gnostic message back to Swagger JSON, written from the .proto alone.

interface NamedAny {
  name: string;
  value: { yaml: string };
}
interface PbSchema {
  _ref?: string;
  format?: string;
  description?: string;
  default?: { yaml: string };
  required?: string[];
  additional_properties?: { schema?: PbSchema };
  type?: { value: string[] };
  items?: { schema: PbSchema[] };
  all_of?: PbSchema[];
  properties?: { additional_properties: { name: string; value: PbSchema }[] };
  vendor_extension?: NamedAny[];
}
interface PbParameter {
  parameter: {
    body_parameter?: { description?: string; name: string; in: string; required?: boolean; schema?: PbSchema };
    non_body_parameter?: {
      query_parameter_sub_schema?: PbNonBody;
      path_parameter_sub_schema?: PbNonBody;
    };
  };
}
interface PbNonBody {
  required?: boolean;
  in: string;
  description?: string;
  name: string;
  type?: string;
  unique_items?: boolean;
}
interface PbOperation {
  description: string;
  operation_id: string;
  produces: string[];
  consumes: string[];
  parameters?: PbParameter[];
  responses: { response_code: { name: string; value: { response: { description: string; schema?: { schema: PbSchema } } } }[] };
  schemes: string[];
  vendor_extension: NamedAny[];
}
type PbPathItem = Partial<Record<'get' | 'put' | 'post' | 'delete' | 'patch', PbOperation>> & { parameters?: PbParameter[] };
interface PbDocument {
  swagger: string;
  info: { title: string; version: string };
  paths: { path: { name: string; value: PbPathItem }[] };
  definitions: { additional_properties: { name: string; value: PbSchema }[] };
}

const extensions = (list: NamedAny[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((e) => [e.name, JSON.parse(e.value.yaml) as unknown]));

function schemaJson(s: PbSchema): SchemaObject {
  const out: Record<string, unknown> = {};
  if (s._ref !== undefined) out['$ref'] = s._ref;
  if (s.description !== undefined) out['description'] = s.description;
  if (s.type !== undefined) out['type'] = s.type.value[0];
  if (s.format !== undefined) out['format'] = s.format;
  if (s.items !== undefined) out['items'] = schemaJson(s.items.schema[0] ?? {});
  if (s.properties !== undefined) {
    out['properties'] = Object.fromEntries(s.properties.additional_properties.map((p) => [p.name, schemaJson(p.value)]));
  }
  if (s.additional_properties?.schema !== undefined) out['additionalProperties'] = schemaJson(s.additional_properties.schema);
  if (s.required !== undefined) out['required'] = s.required;
  if (s.all_of !== undefined) out['allOf'] = s.all_of.map(schemaJson);
  if (s.default !== undefined) out['default'] = JSON.parse(s.default.yaml) as unknown;
  return { ...out, ...extensions(s.vendor_extension) };
}

function parameterJson(p: PbParameter): SwaggerParameter {
  const body = p.parameter.body_parameter;
  if (body !== undefined) {
    const { schema, ...rest } = body;
    return { ...rest, in: 'body', ...(schema === undefined ? {} : { schema: schemaJson(schema) }) };
  }
  const sub = p.parameter.non_body_parameter?.query_parameter_sub_schema ?? p.parameter.non_body_parameter?.path_parameter_sub_schema;
  const { unique_items, ...rest } = sub ?? { in: '', name: '' };
  return { ...rest, ...(unique_items === undefined ? {} : { uniqueItems: unique_items }) } as SwaggerParameter;
}

function operationJson(op: PbOperation): SwaggerOperation {
  return {
    description: op.description,
    consumes: op.consumes,
    produces: op.produces,
    schemes: op.schemes,
    operationId: op.operation_id,
    parameters: (op.parameters ?? []).map(parameterJson),
    responses: Object.fromEntries(
      op.responses.response_code.map((r) => [
        r.name,
        {
          description: r.value.response.description,
          ...(r.value.response.schema === undefined ? {} : { schema: schemaJson(r.value.response.schema.schema) }),
        },
      ]),
    ),
    ...extensions(op.vendor_extension),
  } as SwaggerOperation;
}

function documentJson(d: PbDocument): SwaggerDocument {
  const paths: Record<string, SwaggerPathItem> = {};
  for (const { name, value } of d.paths.path) {
    const item: SwaggerPathItem = {};
    for (const m of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = value[m];
      if (op !== undefined) item[m] = operationJson(op);
    }
    item.parameters = (value.parameters ?? []).map(parameterJson);
    paths[name] = item;
  }
  return {
    swagger: '2.0',
    info: d.info,
    paths,
    definitions: Object.fromEntries(d.definitions.additional_properties.map((p) => [p.name, schemaJson(p.value)])),
  };
}

/** Reorders object keys so that two documents compare regardless of key order. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
  );
}

describe('/openapi/v2', () => {
  it('serves JSON by default and gnostic protobuf when asked; ETag and 304; 406 for other types', async () => {
    const json = await fetch(`${t.api.url}/openapi/v2`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(((await json.json()) as SwaggerDocument).swagger).toBe('2.0');
    const pb = await fetch(`${t.api.url}/openapi/v2`, { headers: { Accept: `${GNOSTIC_V2_CONTENT_TYPE}, application/json` } });
    expect(pb.status).toBe(200);
    expect(pb.headers.get('content-type')).toBe('application/octet-stream');
    const etag = pb.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(etag).not.toBe(json.headers.get('etag'));
    await pb.arrayBuffer();
    const again = await fetch(`${t.api.url}/openapi/v2`, { headers: { Accept: GNOSTIC_V2_CONTENT_TYPE, 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const html = await fetch(`${t.api.url}/openapi/v2`, { headers: { Accept: 'text/html' } });
    expect(html.status).toBe(406);
    expect(((await html.json()) as { reason: string }).reason).toBe('NotAcceptable');
  });

  it('the protobuf, decoded by protobufjs with gnostic field numbers, is the JSON document', async () => {
    const json = (await (await fetch(`${t.api.url}/openapi/v2`, { headers: { Accept: 'application/json' } })).json()) as SwaggerDocument;
    const bytes = new Uint8Array(
      await (await fetch(`${t.api.url}/openapi/v2`, { headers: { Accept: GNOSTIC_V2_CONTENT_TYPE } })).arrayBuffer(),
    );
    const proto = readFileSync(join(import.meta.dirname, 'fixtures', 'openapiv2-subset.proto'), 'utf8');
    const Document = protobuf.parse(proto, { keepCase: true }).root.lookupType('openapi.v2.Document');
    const decoded = Document.toObject(Document.decode(bytes), { arrays: false, defaults: false }) as PbDocument;
    expect(Object.keys(json.definitions).length).toBeGreaterThan(100);
    expect(sorted(documentJson(decoded))).toEqual(sorted(json));
  });

  it('has what kubectl reads: GVKs on definitions, PATCH with fieldValidation, POST only for reviews, resolvable refs', async () => {
    const doc = (await (await fetch(`${t.api.url}/openapi/v2`)).json()) as SwaggerDocument;
    expect(doc.definitions['io.k8s.api.authentication.v1.TokenReview']?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview' },
    ]);
    expect(doc.definitions['io.k8s.api.authentication.v1.TokenReviewSpec']?.properties?.['audiences']).toEqual(
      expect.objectContaining({ type: 'array', items: { type: 'string' } }),
    );
    const reviews = doc.paths['/apis/authentication.k8s.io/v1/tokenreviews'];
    expect(Object.keys(reviews ?? {}).sort()).toEqual(['parameters', 'post']);
    expect(reviews?.post?.parameters.map((p) => p.name)).toEqual(['body', 'fieldManager', 'fieldValidation']);
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch;
    expect(patch?.['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(patch?.parameters.find((p) => p.name === 'fieldValidation')).toMatchObject({ in: 'query', type: 'string' });
    // kube-openapi refuses the whole document for a dangling $ref, an array without items or an anyOf.
    const problems: string[] = [];
    const walk = (s: SchemaObject, at: string): void => {
      if (s.$ref !== undefined && doc.definitions[s.$ref.replace('#/definitions/', '')] === undefined) problems.push(`${at}: ${s.$ref}`);
      if (s.type === 'array' && s.items === undefined) problems.push(`${at}: array without items`);
      if (s.anyOf !== undefined || s.allOf !== undefined) problems.push(`${at}: anyOf/allOf`);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${at}.${k}`);
      if (s.items !== undefined) walk(s.items, `${at}[]`);
      if (s.additionalProperties !== undefined) walk(s.additionalProperties, `${at}{}`);
    };
    for (const [name, s] of Object.entries(doc.definitions)) walk(s, name);
    expect(problems).toEqual([]);
  });

  it('lists no CustomResourceDefinitions (kubectl asks before validating a review)', async () => {
    const res = await fetch(`${t.api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      kind: 'CustomResourceDefinitionList',
      apiVersion: 'apiextensions.k8s.io/v1',
      metadata: {},
      items: [],
    });
    expect((await fetch(`${t.api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x`)).status).toBe(404);
  });
});
