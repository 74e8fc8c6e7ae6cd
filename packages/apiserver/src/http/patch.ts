/**
 * Patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
 * strategic merge patch by the built-in types' patch strategies and merge
 * keys (from the schema model). Server-side apply is `http/apply.ts`.
 */
import { badRequest, ApiError, type ResourceDescriptor } from '@skiff/api';
import { objectSchema } from '../managed-fields/object-fields.js';
import { shapeOf, type Shape } from '../managed-fields/typed.js';
import type { SchemaModel } from '../openapi/model.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MERGE_KEYS = ['name', 'type', 'containerPort', 'mountPath', 'devicePath', 'ip', 'topologyKey'];

/** Without a schema (a type the model does not know): lists of objects merge by the first well-known key their items have. */
function guessedMergeKey(list: unknown[]): string | undefined {
  const first = list.find(isObject);
  if (first === undefined) return undefined;
  return MERGE_KEYS.find((k) => k in first);
}

/** Where a strategic merge patch stands in the object's schema; undefined where the schema says nothing. */
interface Position {
  model: SchemaModel;
  shape: Shape;
}

function childPosition(at: Position | undefined, key: string): Position | undefined {
  if (at === undefined) return undefined;
  const { model, shape } = at;
  if (shape.kind === 'struct') {
    const field = shape.def.fields.get(key);
    return field === undefined ? undefined : { model, shape: shapeOf(model, field.type, field.extension) };
  }
  if (shape.type.kind === 'map') return { model, shape: shapeOf(model, shape.type.values) };
  return undefined;
}

function itemPosition(at: Position | undefined): Position | undefined {
  if (at === undefined || at.shape.kind !== 'field' || at.shape.type.kind !== 'array') return undefined;
  return { model: at.model, shape: shapeOf(at.model, at.shape.type.items) };
}

/** How a list field merges: by a key, as a set of primitives, or replaced whole. */
function listMerge(at: Position | undefined, patchList: unknown[], current: unknown[]): { key: string } | 'primitives' | 'replace' {
  if (at === undefined) {
    const key = guessedMergeKey(patchList) ?? guessedMergeKey(current);
    return key === undefined ? 'replace' : { key };
  }
  const ext = at.shape.kind === 'field' ? at.shape.extension : undefined;
  if (ext?.patchStrategy?.split(',').includes('merge') !== true) return 'replace';
  return ext.patchMergeKey !== undefined ? { key: ext.patchMergeKey } : 'primitives';
}

function mergeList(cur: Json[], patchList: Json[], at: Position | undefined): Json {
  const how = listMerge(at, patchList, cur);
  if (how === 'replace' || patchList.some((item) => isObject(item) && item['$patch'] === 'replace')) {
    return patchList.filter((item) => !(isObject(item) && '$patch' in item)).map((item) => structuredClone(item));
  }
  if (how === 'primitives') {
    const seen = new Set(cur.map((v) => JSON.stringify(v)));
    return [...cur.map((v) => structuredClone(v)), ...patchList.filter((v) => !seen.has(JSON.stringify(v))).map((v) => structuredClone(v))];
  }
  const key = how.key;
  const merged: Json[] = cur.map((x) => structuredClone(x));
  for (const item of patchList) {
    if (!isObject(item)) continue;
    const idx = merged.findIndex((m) => isObject(m) && m[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (idx >= 0) merged.splice(idx, 1);
    } else if (idx >= 0) merged[idx] = strategicMerge(merged[idx], item, itemPosition(at));
    else merged.push(strategicMerge(undefined, item, itemPosition(at)));
  }
  return merged;
}

function strategicMerge(target: unknown, patch: unknown, at: Position | undefined): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  if (patch['$patch'] === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch['$patch'] === 'delete') return null;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const list = out[field];
      if (Array.isArray(list) && Array.isArray(v)) {
        const drop = new Set(v.map((x) => JSON.stringify(x)));
        out[field] = list.filter((x) => !drop.has(JSON.stringify(x)));
      }
      continue;
    }
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    out[k] =
      Array.isArray(v) && Array.isArray(cur) ? mergeList(cur, v, childPosition(at, k)) : strategicMerge(cur, v, childPosition(at, k));
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

/**
 * Strategic merge patch. With the resource's descriptor, lists follow the
 * schema's patch strategy and merge key (`containers` by name, `ports` by
 * containerPort, `finalizers` as a set; lists without a strategy are
 * replaced); without one (a type the schema model does not know), lists of
 * objects merge by a well-known key. Honours `$patch: delete|replace`,
 * `$retainKeys` and `$deleteFromPrimitiveList`; `$setElementOrder` is ignored.
 */
export function strategicMergePatch(target: unknown, patch: unknown, desc?: ResourceDescriptor): Json {
  const root = desc === undefined ? undefined : objectSchema(desc);
  const at = root === undefined || root.shape.kind !== 'struct' || root.shape.def.fields.size === 0 ? undefined : root;
  return strategicMerge(target, patch, at);
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, parts: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: Json, parts: string[], op: string): { parent: Json; last: string } {
  const parent = getAt(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1];
  if (parent === undefined || last === undefined || typeof parent !== 'object' || parent === null) {
    throw new ApiError(422, 'Invalid', `jsonpatch ${op} operation does not apply: doc is missing path: /${parts.join('/')}`);
  }
  return { parent, last };
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test. */
export function jsonPatch(target: unknown, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch must be a list of operations');
  let doc = structuredClone(target) as Json;
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string')
      throw badRequest('invalid json patch operation');
    const op = raw['op'];
    const parts = pointer(raw['path']);
    const value = raw['value'] ?? null;
    if (op === 'test') {
      if (JSON.stringify(getAt(doc, parts)) !== JSON.stringify(value))
        throw new ApiError(422, 'Invalid', `testing value ${raw['path']} failed`);
      continue;
    }
    if (op === 'move' || op === 'copy') {
      if (typeof raw['from'] !== 'string') throw badRequest(`${op} needs from`);
      const fromParts = pointer(raw['from']);
      const moved = getAt(doc, fromParts);
      if (moved === undefined)
        throw new ApiError(422, 'Invalid', `jsonpatch ${op} operation does not apply: doc is missing from path: ${raw['from']}`);
      if (op === 'move') doc = jsonPatch(doc, [{ op: 'remove', path: raw['from'] }]);
      doc = jsonPatch(doc, [{ op: 'add', path: raw['path'], value: structuredClone(moved) }]);
      continue;
    }
    if (parts.length === 0) {
      if (op === 'remove') doc = null;
      else doc = structuredClone(value);
      continue;
    }
    const { parent, last } = parentOf(doc, parts, op);
    if (Array.isArray(parent)) {
      const idx = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw new ApiError(422, 'Invalid', `invalid array index ${last}`);
      if (op === 'add') parent.splice(idx, 0, structuredClone(value));
      else if (op === 'remove') parent.splice(idx, 1);
      else if (op === 'replace') parent[idx] = structuredClone(value);
      else throw badRequest(`unknown json patch operation ${op}`);
    } else if (isObject(parent)) {
      if ((op === 'remove' || op === 'replace') && !(last in parent)) {
        throw new ApiError(422, 'Invalid', `jsonpatch ${op} operation does not apply: doc is missing key: /${parts.join('/')}`);
      }
      if (op === 'add' || op === 'replace') parent[last] = structuredClone(value);
      else if (op === 'remove') delete parent[last];
      else throw badRequest(`unknown json patch operation ${op}`);
    }
  }
  return doc;
}

/** Applies a patch body of the given media type (strategic merge by `desc`'s schema when given); 415 for unknown types. */
export function applyPatch(type: string, target: unknown, patch: unknown, desc?: ResourceDescriptor): Json {
  switch (type) {
    case 'application/merge-patch+json':
      return mergePatch(target, patch);
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(target, patch, desc);
    case 'application/json-patch+json':
      return jsonPatch(target, patch);
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return strategicMergePatch(target, patch, desc);
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}
