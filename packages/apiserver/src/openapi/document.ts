/**
 * OpenAPI v3 documents per group version, as kube-apiserver publishes them
 * under `/openapi/v3/<api/v1 | apis/group/version>`: the operations of each
 * resource (with `x-kubernetes-group-version-kind`, `x-kubernetes-action` and
 * the `fieldValidation` parameter kubectl looks for) and the schemas of every
 * type they reach, with descriptions and Kubernetes' extensions.
 */
import { SERVED_RESOURCES, type ServedResource } from '../served-kinds.js';
import { rootType, schemaModel, type FieldDef, type FieldType, type SchemaModel, type TypeDef } from './model.js';

type Json = Record<string, unknown>;

/** `api/v1` or `apis/apps/v1`. */
export function groupVersionPath(r: Pick<ServedResource, 'group' | 'version'>): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

function ref(model: SchemaModel, name: string): string {
  const def = model.types.get(name);
  return `#/components/schemas/${def?.schemaName ?? name}`;
}

function typeSchema(model: SchemaModel, type: FieldType): Json {
  switch (type.kind) {
    case 'scalar':
      return { type: type.type, ...(type.format === undefined ? {} : { format: type.format }) };
    case 'any':
      return type.format === 'int-or-string'
        ? { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }
        : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'ref':
      return { $ref: ref(model, type.name) };
    case 'array':
      return { type: 'array', items: typeSchema(model, type.items) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(model, type.values) };
  }
}

function propertySchema(model: SchemaModel, field: FieldDef): Json {
  const base = typeSchema(model, field.type);
  // As upstream: a reference with a description is wrapped in allOf so the description stays beside it.
  const schema: Json = field.type.kind === 'ref' && field.description !== undefined ? { allOf: [base], default: {} } : base;
  if (field.description !== undefined) schema['description'] = field.description;
  const ext = field.extension;
  if (ext !== undefined) {
    schema['x-kubernetes-list-type'] = ext.listType;
    if (ext.listMapKeys !== undefined) schema['x-kubernetes-list-map-keys'] = ext.listMapKeys;
    if (ext.patchStrategy !== undefined) schema['x-kubernetes-patch-strategy'] = ext.patchStrategy;
    if (ext.patchMergeKey !== undefined) schema['x-kubernetes-patch-merge-key'] = ext.patchMergeKey;
  }
  return schema;
}

function structSchema(model: SchemaModel, def: TypeDef, gvk: Json | undefined): Json {
  const properties: Json = {};
  for (const [name, field] of def.fields) properties[name] = propertySchema(model, field);
  return {
    description: def.description,
    type: 'object',
    properties,
    ...(def.required.length > 0 ? { required: def.required } : {}),
    ...(def.extension === undefined ? {} : { 'x-kubernetes-map-type': def.extension.mapType }),
    ...(gvk === undefined ? {} : { 'x-kubernetes-group-version-kind': [gvk] }),
  };
}

/** Adds `def` and every type it reaches to `schemas`. */
function collect(model: SchemaModel, def: TypeDef, schemas: Map<string, TypeDef>): void {
  if (schemas.has(def.schemaName)) return;
  schemas.set(def.schemaName, def);
  const visit = (t: FieldType): void => {
    if (t.kind === 'array') visit(t.items);
    else if (t.kind === 'map') visit(t.values);
    else if (t.kind === 'ref') {
      const inner = model.types.get(t.name);
      if (inner !== undefined) collect(model, inner, schemas);
    }
  };
  for (const f of def.fields.values()) visit(f.type);
}

/** Every group-version path served. */
export function groupVersionPaths(): string[] {
  return [...new Set(SERVED_RESOURCES.map(groupVersionPath))];
}

const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  description:
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  schema: { type: 'string', uniqueItems: true },
};
const FIELD_MANAGER = {
  name: 'fieldManager',
  in: 'query',
  description: 'fieldManager is a name associated with the actor or entity that is making these changes.',
  schema: { type: 'string', uniqueItems: true },
};
const FORCE = {
  name: 'force',
  in: 'query',
  description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.',
  schema: { type: 'boolean', uniqueItems: true },
};

/** One group version's document; undefined when the path is not served. */
export function buildDocument(path: string): Json | undefined {
  const resources = SERVED_RESOURCES.filter((r) => groupVersionPath(r) === path);
  if (resources.length === 0) return undefined;
  const model = schemaModel();
  const paths: Json = {};
  const defs = new Map<string, TypeDef>();
  const roots = new Map<string, Json>();
  for (const r of resources) {
    const root = rootType(r);
    if (root === undefined) continue;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    collect(model, root, defs);
    roots.set(root.schemaName, gvk);
    const content = { 'application/json': { schema: { $ref: `#/components/schemas/${root.schemaName}` } } };
    const op = (verb: string, action: string, params: Json[]): Json => ({
      description: `${verb} the specified ${r.kind}`,
      operationId: `${verb}${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
      parameters: params,
      responses: { '200': { description: 'OK', content } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const base = r.namespaced ? `/${path}/namespaces/{namespace}/${r.resource}` : `/${path}/${r.resource}`;
    if (r.verbs.length === 1 && r.verbs[0] === 'create') {
      // A review: created and answered, never stored.
      paths[base] = { post: op('create', 'post', [FIELD_MANAGER, FIELD_VALIDATION]) };
      continue;
    }
    paths[base] = { get: op('list', 'list', []), post: op('create', 'post', [FIELD_MANAGER, FIELD_VALIDATION]) };
    paths[`${base}/{name}`] = {
      get: op('read', 'get', []),
      put: op('replace', 'put', [FIELD_MANAGER, FIELD_VALIDATION]),
      patch: op('patch', 'patch', [FIELD_MANAGER, FIELD_VALIDATION, FORCE]),
      delete: op('delete', 'delete', []),
    };
  }
  const schemas: Json = {};
  for (const name of [...defs.keys()].sort()) {
    const def = defs.get(name);
    if (def !== undefined) schemas[name] = structSchema(model, def, roots.get(name));
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}
