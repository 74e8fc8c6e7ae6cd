/**
 * Objects seen through their schema, as server-side apply needs them: the set
 * of fields an object sets (upstream's ToFieldSet), the value at a path, the
 * removal of a path, and the structural merge of an applied configuration
 * into a live object (structs and maps merged, associative lists merged by
 * key, sets united, atomic values replaced).
 */
import type { FieldDef, FieldType, SchemaModel, TypeDef } from '../openapi/model.js';
import type { FieldExtension } from '../openapi/extensions.js';
import { FieldSet } from './fieldset.js';
import { decodeElement, fieldElement, keyElement, valueElement, type Path } from './path.js';

type Obj = Record<string, unknown>;

/** Where a walk stands: a struct (a type definition), or a field type below one. */
export type Shape = { kind: 'struct'; def: TypeDef } | { kind: 'field'; type: FieldType; extension?: FieldExtension | undefined };

const ANY: Shape = { kind: 'field', type: { kind: 'any' } };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The shape of a field type, resolving references to struct definitions. */
export function shapeOf(model: SchemaModel, type: FieldType, extension?: FieldExtension): Shape {
  if (type.kind === 'ref') {
    const def = model.types.get(type.name);
    return def === undefined ? ANY : { kind: 'struct', def };
  }
  return { kind: 'field', type, extension };
}

function fieldShape(model: SchemaModel, def: TypeDef, name: string): Shape {
  const field: FieldDef | undefined = def.fields.get(name);
  return field === undefined ? ANY : shapeOf(model, field.type, field.extension);
}

function isAtomic(shape: Shape): boolean {
  if (shape.kind === 'struct') return shape.def.extension?.mapType === 'atomic';
  const t = shape.type;
  if (t.kind === 'scalar' || t.kind === 'any') return true;
  if (t.kind === 'array') return (shape.extension?.listType ?? 'atomic') === 'atomic';
  return false;
}

/** The key element of an associative list's item. */
function itemKey(item: unknown, extension: FieldExtension): string {
  const key: Obj = {};
  for (const k of extension.listMapKeys ?? []) {
    const v = isObj(item) ? (item[k] ?? extension.keyDefaults?.[k]) : undefined;
    if (v !== undefined) key[k] = v;
  }
  return keyElement(key);
}

function itemShape(model: SchemaModel, shape: Shape): Shape {
  if (shape.kind === 'field' && (shape.type.kind === 'array' || shape.type.kind === 'map')) {
    return shapeOf(model, shape.type.kind === 'array' ? shape.type.items : shape.type.values);
  }
  return ANY;
}

/** The set of fields `value` sets, below `path`. */
export function toFieldSet(model: SchemaModel, value: unknown, shape: Shape, path: Path = [], set = new FieldSet()): FieldSet {
  if (isAtomic(shape) || value === null || value === undefined) {
    if (path.length > 0) set.insert(path);
    return set;
  }
  if (shape.kind === 'struct' || shape.type.kind === 'map') {
    if (!isObj(value)) {
      if (path.length > 0) set.insert(path);
      return set;
    }
    for (const [k, v] of Object.entries(value)) {
      const child = [...path, fieldElement(k)];
      const childShape = shape.kind === 'struct' ? fieldShape(model, shape.def, k) : itemShape(model, shape);
      toFieldSet(model, v, childShape, child, set);
      // Map entries are members themselves; struct fields only when empty or null.
      if (shape.kind !== 'struct' || v === null || (isObj(v) && Object.keys(v).length === 0)) set.insert(child);
    }
    return set;
  }
  if (!Array.isArray(value)) {
    if (path.length > 0) set.insert(path);
    return set;
  }
  const extension = shape.extension;
  for (const item of value) {
    if (extension?.listType === 'set') {
      set.insert([...path, valueElement(item)]);
    } else if (extension !== undefined) {
      const child = [...path, itemKey(item, extension)];
      set.insert(child);
      toFieldSet(model, item, itemShape(model, shape), child, set);
    }
  }
  return set;
}

function matches(item: unknown, key: Obj, extension: FieldExtension | undefined): boolean {
  return Object.entries(key).every(([k, v]) => {
    const actual = isObj(item) ? (item[k] ?? extension?.keyDefaults?.[k]) : undefined;
    return JSON.stringify(actual) === JSON.stringify(v);
  });
}

/** Follows one element: the child value and its shape; undefined when absent. */
function step(
  model: SchemaModel,
  value: unknown,
  shape: Shape,
  element: string,
): { value: unknown; shape: Shape; index: number } | undefined {
  const e = decodeElement(element);
  if (e.kind === 'field') {
    if (!isObj(value) || !(e.name in value)) return undefined;
    const childShape = shape.kind === 'struct' ? fieldShape(model, shape.def, e.name) : itemShape(model, shape);
    return { value: value[e.name], shape: childShape, index: -1 };
  }
  if (!Array.isArray(value)) return undefined;
  const extension = shape.kind === 'field' ? shape.extension : undefined;
  const index =
    e.kind === 'key'
      ? value.findIndex((item) => matches(item, e.key, extension))
      : e.kind === 'value'
        ? value.findIndex((item) => JSON.stringify(item) === JSON.stringify(e.value))
        : e.index;
  if (index < 0 || index >= value.length) return undefined;
  return { value: value[index], shape: itemShape(model, shape), index };
}

/** The value at a path (undefined when absent). */
export function valueAt(model: SchemaModel, root: unknown, rootShape: Shape, path: Path): unknown {
  let cur: { value: unknown; shape: Shape } | undefined = { value: root, shape: rootShape };
  for (const element of path) {
    cur = cur === undefined ? undefined : step(model, cur.value, cur.shape, element);
    if (cur === undefined) return undefined;
  }
  return cur.value;
}

/**
 * Removes the member at `path` from `root` (in place); nothing when absent.
 * Lists and maps the removal leaves empty are removed too, as upstream does.
 */
export function removeAt(model: SchemaModel, root: unknown, rootShape: Shape, path: Path): void {
  const trail: { value: unknown; shape: Shape; element: string }[] = [];
  let cur: { value: unknown; shape: Shape } = { value: root, shape: rootShape };
  for (const element of path) {
    const next = step(model, cur.value, cur.shape, element);
    if (next === undefined) return;
    trail.push({ value: cur.value, shape: cur.shape, element });
    cur = next;
  }
  for (let i = trail.length - 1; i >= 0; i--) {
    const { value: parent, shape, element } = trail[i] ?? { value: undefined, shape: ANY, element: '' };
    const e = decodeElement(element);
    if (Array.isArray(parent)) {
      const at = step(model, parent, shape, element);
      if (at !== undefined) parent.splice(at.index, 1);
    } else if (isObj(parent) && e.kind === 'field') delete parent[e.name];
    const emptied = Array.isArray(parent) ? parent.length === 0 : isObj(parent) && Object.keys(parent).length === 0;
    if (!emptied || i === 0) break;
  }
}

/** Merges an applied configuration into a live value, by the schema's rules. Returns a new value. */
export function mergeApplied(model: SchemaModel, live: unknown, applied: unknown, shape: Shape): unknown {
  if (applied === undefined) return structuredClone(live);
  if (isAtomic(shape) || applied === null) return structuredClone(applied);
  if (shape.kind === 'struct' || shape.type.kind === 'map') {
    if (!isObj(applied) || !isObj(live)) return structuredClone(applied);
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      const childShape = shape.kind === 'struct' ? fieldShape(model, shape.def, k) : itemShape(model, shape);
      out[k] = mergeApplied(model, live[k], v, childShape);
    }
    return out;
  }
  if (!Array.isArray(applied) || !Array.isArray(live)) return structuredClone(applied);
  const appliedItems = applied as unknown[];
  const liveItems = live as unknown[];
  const extension = shape.extension;
  if (extension?.listType === 'set') {
    const seen = new Set(liveItems.map((v) => JSON.stringify(v)));
    return [...structuredClone(liveItems), ...appliedItems.filter((v) => !seen.has(JSON.stringify(v))).map((v) => structuredClone(v))];
  }
  if (extension === undefined) return structuredClone(appliedItems);
  const out = liveItems.map((v) => structuredClone(v));
  const keys = out.map((item) => itemKey(item, extension));
  for (const item of appliedItems) {
    const key = itemKey(item, extension);
    const index = keys.indexOf(key);
    if (index >= 0) out[index] = mergeApplied(model, out[index], item, itemShape(model, shape));
    else {
      out.push(structuredClone(item));
      keys.push(key);
    }
  }
  return out;
}
