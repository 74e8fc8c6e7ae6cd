/**
 * Patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
 * strategic merge patch, which for now merges lists of objects by their
 * Kubernetes merge key (`name` for containers, env, volumes; `type` for
 * conditions; `containerPort` for ports) and honours `$patch: delete|replace`.
 */
import { badRequest, ApiError } from '@skiff/api';

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

function mergeKeyOf(list: unknown[]): string | undefined {
  const first = list.find(isObject);
  if (first === undefined) return undefined;
  return MERGE_KEYS.find((k) => k in first);
}

/** Strategic merge patch for built-in types (merge keys as listed above). */
export function strategicMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  if (patch['$patch'] === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch['$patch'] === 'delete') return null;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList/')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v) && Array.isArray(cur)) {
      const key = mergeKeyOf(v) ?? mergeKeyOf(cur);
      if (key === undefined) {
        out[k] = structuredClone(v);
        continue;
      }
      const merged: Json[] = cur.map((x) => structuredClone(x));
      for (const item of v) {
        if (!isObject(item)) continue;
        const idx = merged.findIndex((m) => isObject(m) && m[key] === item[key]);
        if (item['$patch'] === 'delete') {
          if (idx >= 0) merged.splice(idx, 1);
        } else if (idx >= 0) merged[idx] = strategicMergePatch(merged[idx], item);
        else merged.push(strategicMergePatch(undefined, item));
      }
      out[k] = merged;
    } else {
      out[k] = strategicMergePatch(cur, v);
    }
  }
  return out;
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

/** Applies a patch body of the given media type; 415 for unknown types. */
export function applyPatch(type: string, target: unknown, patch: unknown): Json {
  switch (type) {
    case 'application/merge-patch+json':
      return mergePatch(target, patch);
    case 'application/strategic-merge-patch+json':
      return strategicMergePatch(target, patch);
    case 'application/json-patch+json':
      return jsonPatch(target, patch);
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return strategicMergePatch(target, patch);
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}
