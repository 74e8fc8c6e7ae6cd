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

/** A FieldsV1 tree: `{}` a leaf member, `.` a member with members below it. */
export type FieldsV1 = { [element: string]: FieldsV1 };

function isEmpty(node: FieldsV1): boolean {
  for (const _ in node) return false;
  return true;
}

/** Puts a child under `node`: a leaf when it has nothing below it, with `.` when it is a member with members below it. */
function attach(node: FieldsV1, element: string, child: FieldsV1, member: boolean): void {
  if (isEmpty(child)) {
    if (member) node[element] = child;
    return;
  }
  if (member) child['.'] = {};
  node[element] = child;
}

/**
 * What `fill` compares against: undefined to take every member; otherwise the
 * same place in an earlier version of the object (`null` where it had nothing),
 * to take only the members that are new or whose leaf value changed.
 */
type Base = { value: unknown } | null | undefined;

function childBase(base: Base, present: boolean, value: unknown): Base {
  if (base === undefined) return undefined;
  return present ? { value } : null;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Fills `node` with the members `value` sets below it (upstream's ToFieldSet
 * rules: scalars, atomic values, list items and map entries are members;
 * struct fields only when null or an empty object), or with `base` only the
 * changed ones. Returns true when `value` itself is a leaf.
 */
function fill(model: SchemaModel, value: unknown, shape: Shape, node: FieldsV1, base: Base): boolean {
  if (isAtomic(shape) || value === null || value === undefined) return true;
  if (shape.kind === 'struct' || shape.type.kind === 'map') {
    if (!isObj(value)) return true;
    const old = base?.value;
    const oldObj = isObj(old) ? old : undefined;
    for (const k in value) {
      const v = value[k];
      const child: FieldsV1 = {};
      const childShape = shape.kind === 'struct' ? fieldShape(model, shape.def, k) : itemShape(model, shape);
      const b = childBase(base, oldObj !== undefined && k in oldObj, oldObj?.[k]);
      const leaf = fill(model, v, childShape, child, b);
      const member = leaf || shape.kind !== 'struct' || v === null || (isObj(v) && isEmpty(v as FieldsV1));
      const changed = b === undefined ? member : member && (b === null || (leaf && !sameValue(b.value, v)));
      attach(node, fieldElement(k), child, changed);
    }
    return false;
  }
  if (!Array.isArray(value)) return true;
  const extension = shape.extension;
  const oldItems = Array.isArray(base?.value) ? (base.value as unknown[]) : [];
  if (extension?.listType === 'set') {
    const had = new Set(oldItems.map((v) => JSON.stringify(v)));
    for (const item of value as unknown[]) if (base === undefined || !had.has(JSON.stringify(item))) node[valueElement(item)] = {};
  } else if (extension !== undefined) {
    const byKey = new Map<string, unknown>();
    for (const item of oldItems) byKey.set(itemKey(item, extension), item);
    for (const item of value as unknown[]) {
      const key = itemKey(item, extension);
      const child: FieldsV1 = {};
      const b = childBase(base, byKey.has(key), byKey.get(key));
      fill(model, item, itemShape(model, shape), child, b);
      attach(node, key, child, b === undefined || b === null);
    }
  }
  return false;
}

/**
 * `fill` without a base (every member taken), for whole objects such as a
 * create's: the same tree, without the per-member comparison state. Returns
 * -1 when `value` itself is a leaf, otherwise how many members it put in `node`.
 */
function fillAll(model: SchemaModel, value: unknown, shape: Shape, node: FieldsV1): number {
  if (isAtomic(shape) || value === null || value === undefined) return -1;
  if (shape.kind === 'struct' || shape.type.kind === 'map') {
    if (!isObj(value)) return -1;
    const def = shape.kind === 'struct' ? shape.def : undefined;
    const entryShape = def === undefined ? itemShape(model, shape) : ANY;
    let count = 0;
    for (const k in value) {
      const v = value[k];
      const child: FieldsV1 = {};
      const below = fillAll(model, v, def === undefined ? entryShape : fieldShape(model, def, k), child);
      const member = below < 0 || def === undefined || v === null || (isObj(v) && isEmpty(v as FieldsV1));
      if (below > 0) {
        if (member) child['.'] = {};
      } else if (!member) continue;
      node[fieldElement(k)] = child;
      count++;
    }
    return count;
  }
  if (!Array.isArray(value)) return -1;
  const extension = shape.extension;
  if (extension === undefined) return 0;
  let count = 0;
  if (extension.listType === 'set') {
    for (const item of value as unknown[]) {
      node[valueElement(item)] = {};
      count++;
    }
    return count;
  }
  const items = itemShape(model, shape);
  for (const item of value as unknown[]) {
    const child: FieldsV1 = {};
    if (fillAll(model, item, items, child) > 0) child['.'] = {};
    node[itemKey(item, extension)] = child;
    count++;
  }
  return count;
}

/** The FieldsV1 tree of the fields `value` sets. */
export function fieldsTree(model: SchemaModel, value: unknown, shape: Shape): FieldsV1 {
  const root: FieldsV1 = {};
  fillAll(model, value, shape, root);
  return root;
}

/** The FieldsV1 tree of the members of `value` that `before` did not have or whose leaf value differs. */
export function changedTree(model: SchemaModel, before: unknown, value: unknown, shape: Shape): FieldsV1 {
  const root: FieldsV1 = {};
  fill(model, value, shape, root, { value: before });
  return root;
}

/** The set of fields `value` sets. */
export function toFieldSet(model: SchemaModel, value: unknown, shape: Shape): FieldSet {
  return FieldSet.fromFieldsV1(fieldsTree(model, value, shape));
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
