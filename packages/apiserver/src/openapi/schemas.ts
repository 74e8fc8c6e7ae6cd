/**
 * The schemas of the served types, written for either OpenAPI document
 * kube-apiserver publishes: v3 (`/openapi/v3/...`, `#/components/schemas/`)
 * or Swagger 2.0 (`/openapi/v2`, `#/definitions/`). Both come from the one
 * schema model (`model.ts`); they differ only where the formats do.
 */
import type { ServedResource } from '../served-kinds.js';
import { rootType, schemaModel, type FieldDef, type FieldType, type SchemaModel, type TypeDef } from './model.js';

/** Which document the schemas are for. */
export type Dialect = 'v3' | 'v2';

/** A group, version and kind, as the `x-kubernetes-group-version-kind` extension spells it. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The part of a JSON schema object these documents use. */
export interface SchemaObject {
  $ref?: string;
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject;
  required?: string[];
  /** v3 only (a described reference). */
  allOf?: SchemaObject[];
  /** v3 only (int-or-string). */
  anyOf?: SchemaObject[];
  /** v3 only (beside `allOf`). */
  default?: unknown;
  [extension: `x-kubernetes-${string}`]: unknown;
}

/** A reference to a type by its schema name. */
export function schemaRef(schemaName: string, dialect: Dialect): SchemaObject {
  return { $ref: dialect === 'v3' ? `#/components/schemas/${schemaName}` : `#/definitions/${schemaName}` };
}

function typeSchema(model: SchemaModel, type: FieldType, dialect: Dialect): SchemaObject {
  switch (type.kind) {
    case 'scalar':
      return { type: type.type, ...(type.format === undefined ? {} : { format: type.format }) };
    case 'any':
      if (type.format !== 'int-or-string') return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      // Swagger 2.0 has no anyOf: upstream publishes int-or-string as a formatted string there.
      return dialect === 'v3'
        ? { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }
        : { type: 'string', format: 'int-or-string' };
    case 'ref':
      return schemaRef(model.types.get(type.name)?.schemaName ?? type.name, dialect);
    case 'array':
      return { type: 'array', items: typeSchema(model, type.items, dialect) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(model, type.values, dialect) };
  }
}

function propertySchema(model: SchemaModel, field: FieldDef, dialect: Dialect): SchemaObject {
  const base = typeSchema(model, field.type, dialect);
  // As upstream: in v3 a reference with a description is wrapped in allOf so the description stays
  // beside it; in v2 the description sits beside `$ref` (readers ignore it there).
  const wrap = dialect === 'v3' && field.type.kind === 'ref' && field.description !== undefined;
  const schema: SchemaObject = wrap ? { allOf: [base], default: {} } : base;
  if (field.description !== undefined) schema.description = field.description;
  const ext = field.extension;
  if (ext !== undefined) {
    schema['x-kubernetes-list-type'] = ext.listType;
    if (ext.listMapKeys !== undefined) schema['x-kubernetes-list-map-keys'] = ext.listMapKeys;
    if (ext.patchStrategy !== undefined) schema['x-kubernetes-patch-strategy'] = ext.patchStrategy;
    if (ext.patchMergeKey !== undefined) schema['x-kubernetes-patch-merge-key'] = ext.patchMergeKey;
  }
  return schema;
}

function structSchema(model: SchemaModel, def: TypeDef, gvks: GroupVersionKind[] | undefined, dialect: Dialect): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const [name, field] of def.fields) properties[name] = propertySchema(model, field, dialect);
  return {
    description: def.description,
    type: 'object',
    properties,
    ...(def.required.length > 0 ? { required: def.required } : {}),
    ...(def.extension === undefined ? {} : { 'x-kubernetes-map-type': def.extension.mapType }),
    ...(gvks === undefined ? {} : { 'x-kubernetes-group-version-kind': gvks }),
  };
}

/** Adds `def` and every type it reaches to `into`. */
function collect(model: SchemaModel, def: TypeDef, into: Map<string, TypeDef>): void {
  if (into.has(def.schemaName)) return;
  into.set(def.schemaName, def);
  const visit = (t: FieldType): void => {
    if (t.kind === 'array') visit(t.items);
    else if (t.kind === 'map') visit(t.values);
    else if (t.kind === 'ref') {
      const inner = model.types.get(t.name);
      if (inner !== undefined) collect(model, inner, into);
    }
  };
  for (const f of def.fields.values()) visit(f.type);
}

/** A served kind whose root type is known. */
export interface RootedResource {
  resource: ServedResource;
  root: TypeDef;
  gvk: GroupVersionKind;
}

/** The served kinds among `resources` whose schema is known, with their root types. */
export function rootedResources(resources: readonly ServedResource[]): RootedResource[] {
  const out: RootedResource[] = [];
  for (const r of resources) {
    const root = rootType(r);
    if (root !== undefined) out.push({ resource: r, root, gvk: { group: r.group, version: r.version, kind: r.kind } });
  }
  return out;
}

/**
 * The schemas of the given kinds and every type they reach, by schema name
 * in sorted order; a root type carries the GVKs it is served as.
 */
export function schemasFor(kinds: readonly RootedResource[], dialect: Dialect): Record<string, SchemaObject> {
  const model = schemaModel();
  const defs = new Map<string, TypeDef>();
  const gvks = new Map<string, GroupVersionKind[]>();
  for (const k of kinds) {
    collect(model, k.root, defs);
    gvks.set(k.root.schemaName, [...(gvks.get(k.root.schemaName) ?? []), k.gvk]);
  }
  const schemas: Record<string, SchemaObject> = {};
  for (const name of [...defs.keys()].sort()) {
    const def = defs.get(name);
    if (def !== undefined) schemas[name] = structSchema(model, def, gvks.get(name), dialect);
  }
  return schemas;
}
