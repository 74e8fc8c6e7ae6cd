/**
 * The schemas of the built-in types, read from the models that
 * `@kubernetes/client-node` generates from Kubernetes' published OpenAPI
 * (v1.34): each model's attribute map gives the fields and their types, its
 * declaration file the descriptions and which fields are required. Nothing is
 * retyped here; what the generator drops (list semantics, patch strategies)
 * is added by `extensions.ts`.
 *
 * Loaded once, lazily, and only for the types reachable from the served kinds.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ResourceDescriptor } from '@skiff/api';
import { SERVED_RESOURCES } from '../served-kinds.js';

/** A kind by group, version and name. */
type KindRef = Pick<ResourceDescriptor, 'group' | 'version' | 'kind'>;
import { fieldExtension, typeExtension, type FieldExtension, type TypeExtension } from './extensions.js';

/** The type of one field. */
export type FieldType =
  | { kind: 'scalar'; type: 'string' | 'integer' | 'number' | 'boolean'; format?: string }
  /** A value of any shape (IntOrString, RawExtension, free-form objects): atomic. */
  | { kind: 'any'; format?: string }
  | { kind: 'ref'; name: string }
  | { kind: 'array'; items: FieldType }
  | { kind: 'map'; values: FieldType };

export interface FieldDef {
  type: FieldType;
  description?: string;
  extension?: FieldExtension;
}

/** A struct type: `name` is the short Kubernetes name (`PodSpec`), `schemaName` the OpenAPI one. */
export interface TypeDef {
  name: string;
  schemaName: string;
  description: string;
  fields: Map<string, FieldDef>;
  required: string[];
  extension?: TypeExtension;
}

export interface SchemaModel {
  types: Map<string, TypeDef>;
  /** The root type of each served kind, by `group/kind`. */
  roots: Map<string, TypeDef>;
}

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

const META_TYPES = new Set([
  'ObjectMeta',
  'ListMeta',
  'LabelSelector',
  'LabelSelectorRequirement',
  'OwnerReference',
  'ManagedFieldsEntry',
  'Condition',
]);

/** `CoreV1Event` → `Event`, `V1PodSpec` → `PodSpec`. */
function shortName(className: string): string {
  return className.replace(/^[A-Z][a-z]*V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, '').replace(/^V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, '');
}

function parseType(raw: string, format: string): FieldType {
  const t = raw.trim();
  const array = /^Array<(.+)>$/.exec(t);
  if (array?.[1] !== undefined) return { kind: 'array', items: parseType(array[1], format) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map?.[1] !== undefined) return { kind: 'map', values: parseType(map[1], format) };
  const fmt = format === '' ? {} : { format };
  switch (t) {
    case 'string':
      return { kind: 'scalar', type: 'string', ...fmt };
    case 'Date':
      return { kind: 'scalar', type: 'string', format: 'date-time' };
    case 'V1MicroTime':
      // A timestamp with microseconds; client-node declares the type but generates no model for it.
      return { kind: 'scalar', type: 'string', format: 'date-time' };
    case 'boolean':
      return { kind: 'scalar', type: 'boolean' };
    case 'number':
      return { kind: 'scalar', type: format === 'int32' || format === 'int64' ? 'integer' : 'number', ...fmt };
    case 'IntOrString':
      return { kind: 'any', format: 'int-or-string' };
    case 'any':
    case 'object':
      return { kind: 'any' };
    default:
      return { kind: 'ref', name: t };
  }
}

/** Descriptions and required fields from a model's declaration file. */
function parseDeclaration(text: string): { description: string; fields: Map<string, { description?: string; optional: boolean }> } {
  const unescape = (s: string): string => s.replace(/\\'/g, "'").replace(/\\"/g, '"');
  const classDoc = /\/\*\*\n\* ([^\n]*)\n\*\/\nexport declare class/.exec(text);
  const fields = new Map<string, { description?: string; optional: boolean }>();
  const fieldRe = /(?:\/\*\*\n\s*\* ([^\n]*)\n\s*\*\/\n)?\s*'([^']+)'(\?)?:/g;
  for (let m = fieldRe.exec(text); m !== null; m = fieldRe.exec(text)) {
    const name = m[2] ?? '';
    fields.set(name, { ...(m[1] === undefined ? {} : { description: unescape(m[1]) }), optional: m[3] === '?' });
  }
  return { description: unescape(classDoc?.[1] ?? ''), fields };
}

function modelsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');
}

/** The client-node class of a served kind. */
export function rootClassName(desc: KindRef): string {
  if (desc.group === '' && desc.kind === 'Event') return 'CoreV1Event';
  const version = desc.version.charAt(0).toUpperCase() + desc.version.slice(1);
  return `${version}${desc.kind}`;
}

function groupOfSchema(desc: KindRef): string {
  return desc.group === '' ? 'core' : (desc.group.split('.')[0] ?? desc.group);
}

function loadModel(): SchemaModel {
  const dir = modelsDir();
  const types = new Map<string, TypeDef>();
  const roots = new Map<string, TypeDef>();
  // Core first, so a type shared by several groups (PodTemplateSpec) is named after core.
  const ordered = [...SERVED_RESOURCES].sort((a, b) => (a.group === '' ? 0 : 1) - (b.group === '' ? 0 : 1));
  for (const desc of ordered) {
    const pending: string[] = [rootClassName(desc)];
    for (let className = pending.pop(); className !== undefined; className = pending.pop()) {
      const name = shortName(className);
      if (types.has(name)) continue;
      let js: string;
      let dts: string;
      try {
        js = readFileSync(join(dir, `${className}.js`), 'utf8');
        dts = readFileSync(join(dir, `${className}.d.ts`), 'utf8');
      } catch {
        continue;
      }
      const attrs = /\.attributeTypeMap = (\[[\s\S]*?\n\]);/.exec(js)?.[1];
      const attributes = attrs === undefined ? [] : (JSON.parse(attrs) as Attribute[]);
      const declared = parseDeclaration(dts);
      const group = META_TYPES.has(name) ? 'apimachinery.pkg.apis.meta' : `api.${groupOfSchema(desc)}`;
      const fields = new Map<string, FieldDef>();
      const required: string[] = [];
      for (const a of attributes) {
        const type = parseType(a.type, a.format);
        const doc = declared.fields.get(a.name);
        const extension = fieldExtension(name, a.baseName);
        fields.set(a.baseName, {
          type,
          ...(doc?.description === undefined ? {} : { description: doc.description }),
          ...(extension === undefined ? {} : { extension }),
        });
        if (doc !== undefined && !doc.optional) required.push(a.baseName);
        for (let inner = type; ;) {
          if (inner.kind === 'array') inner = inner.items;
          else if (inner.kind === 'map') inner = inner.values;
          else {
            if (inner.kind === 'ref') pending.push(inner.name);
            break;
          }
        }
      }
      const extension = typeExtension(name);
      types.set(name, {
        name,
        schemaName: `io.k8s.${group}.v1.${name}`,
        description: declared.description,
        fields,
        required,
        ...(extension === undefined ? {} : { extension }),
      });
    }
    const root = types.get(shortName(rootClassName(desc)));
    if (root !== undefined) roots.set(`${desc.group}/${desc.kind}`, root);
  }
  // Field types name client-node classes; point them at the short names.
  const rename = (t: FieldType): FieldType =>
    t.kind === 'ref'
      ? { kind: 'ref', name: shortName(t.name) }
      : t.kind === 'array'
        ? { kind: 'array', items: rename(t.items) }
        : t.kind === 'map'
          ? { kind: 'map', values: rename(t.values) }
          : t;
  for (const def of types.values()) for (const f of def.fields.values()) f.type = rename(f.type);
  return { types, roots };
}

let model: SchemaModel | undefined;

/** The schema model, loaded on first use. */
export function schemaModel(): SchemaModel {
  model ??= loadModel();
  return model;
}

/** The root type of a served kind, if its schema is known. */
export function rootType(desc: KindRef): TypeDef | undefined {
  return schemaModel().roots.get(`${desc.group}/${desc.kind}`);
}
