/**
 * Storage keys and event subjects share one token codec, so that prefix
 * filters (`core.pods.default.>`) work on both.
 *
 * A token keeps `[-A-Za-z0-9]` and writes every other byte of its UTF-8 form as
 * `=XX` (upper-case hex). `.` separates tokens, and `_` alone stands for "none"
 * (a cluster-scoped object's namespace, an unbound pod's node), which no escaped
 * token can equal.
 */
import type { ResourceDescriptor } from './resources.js';

const SAFE = /^[-A-Za-z0-9]+$/;

/** The placeholder token for an absent value. */
export const NONE_TOKEN = '_';

/** Escapes one token; the empty string becomes `_`. */
export function escapeToken(value: string): string {
  if (value === '') return NONE_TOKEN;
  if (SAFE.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[-A-Za-z0-9]/.test(ch) ? ch : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Reverses escapeToken; `_` becomes the empty string. */
export function unescapeToken(token: string): string {
  if (token === NONE_TOKEN) return '';
  if (!token.includes('=')) return token;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The group token: `core` for the core group. */
export function groupToken(group: string): string {
  return group === '' ? 'core' : escapeToken(group);
}

/** `core.pods.default.web-1`: the storage key of one object. */
export function objectKey(desc: ResourceDescriptor, namespace: string, name: string): string {
  return `${groupToken(desc.group)}.${desc.resource}.${escapeToken(desc.namespaced ? namespace : '')}.${escapeToken(name)}`;
}

/** The key prefix (with trailing `.`) of a resource, optionally of one namespace. */
export function keyPrefix(desc: ResourceDescriptor, namespace?: string): string {
  const base = `${groupToken(desc.group)}.${desc.resource}.`;
  return namespace === undefined || !desc.namespaced ? base : `${base}${escapeToken(namespace)}.`;
}

/** The parts of a storage key. */
export interface ParsedKey {
  groupToken: string;
  resource: string;
  namespace: string;
  name: string;
}

/** Splits a storage key; null when it is not one of ours. */
export function parseKey(key: string): ParsedKey | null {
  const parts = key.split('.');
  if (parts.length !== 4) return null;
  const [group, resource, ns, name] = parts as [string, string, string, string];
  return { groupToken: group, resource, namespace: unescapeToken(ns), name: unescapeToken(name) };
}
