/**
 * Label and field selectors with Kubernetes' syntax.
 * Labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by commas.
 * Fields: `path=value`, `path==value`, `path!=value`, joined by commas.
 */
import { badRequest } from './status.js';
import type { KubeObject } from './types.js';

type LabelRequirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'notexists' };

/** A parsed label selector; matches(labels) decides membership. */
export interface LabelSelector {
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string): LabelRequirement {
  const setMatch = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (setMatch !== null) {
    const values = (setMatch[3] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { key: setMatch[1] ?? '', op: setMatch[2] === 'in' ? 'in' : 'notin', values };
  }
  const eqMatch = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(text);
  if (eqMatch !== null) {
    const value = eqMatch[3] ?? '';
    return { key: eqMatch[1] ?? '', op: eqMatch[2] === '!=' ? 'notin' : 'in', values: [value] };
  }
  const existsMatch = /^(!?)([^\s!=()]+)$/.exec(text);
  if (existsMatch !== null) return { key: existsMatch[2] ?? '', op: existsMatch[1] === '!' ? 'notexists' : 'exists' };
  throw badRequest(`unable to parse requirement: ${JSON.stringify(text)}`);
}

/** Parses a label selector string; throws a 400 ApiError when malformed. */
export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  const requirements = text === undefined || text === null ? [] : splitTopLevel(text).map(parseRequirement);
  return {
    empty: requirements.length === 0,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r) => {
        const has = Object.prototype.hasOwnProperty.call(l, r.key);
        switch (r.op) {
          case 'exists':
            return has;
          case 'notexists':
            return !has;
          case 'in':
            return has && r.values.includes(l[r.key] ?? '');
          case 'notin':
            return !has || !r.values.includes(l[r.key] ?? '');
        }
      });
    },
  };
}

/** A parsed field selector. */
export interface FieldSelector {
  readonly empty: boolean;
  /** The required value of a field, when the selector pins it with `=` (used for indexes). */
  exact(path: string): string | undefined;
  matches(object: KubeObject): boolean;
}

/** Reads a dotted path (`spec.nodeName`, `metadata.name`) from an object as a string ('' when absent). */
export function fieldValue(object: KubeObject, path: string): string {
  let cur: unknown = object;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

/**
 * Parses a field selector; `supported` lists the paths allowed for the resource
 * (Kubernetes rejects others with 400 `field label not supported`).
 */
export function parseFieldSelector(text: string | undefined | null, supported: readonly string[]): FieldSelector {
  const terms: Array<{ path: string; negate: boolean; value: string }> = [];
  for (const part of text === undefined || text === null ? [] : splitTopLevel(text)) {
    const m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (m === null) throw badRequest(`invalid selector: '${part}'; can't understand '${part}'`);
    const path = m[1] ?? '';
    if (!supported.includes(path)) throw badRequest(`field label not supported: ${path}`);
    terms.push({ path, negate: m[2] === '!=', value: m[3] ?? '' });
  }
  return {
    empty: terms.length === 0,
    exact(path) {
      return terms.find((t) => t.path === path && !t.negate)?.value;
    },
    matches(object) {
      return terms.every((t) => (fieldValue(object, t.path) === t.value) !== t.negate);
    },
  };
}

/** A structured selector (`matchLabels` + `matchExpressions`), as in Deployment.spec.selector. */
export interface StructuredSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/**
 * Whether labels match a structured selector. An empty selector matches
 * everything (callers that require a non-empty selector check that first).
 */
export function structuredSelectorMatches(
  selector: StructuredSelector | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[e.key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The `kubectl -o wide` text of a structured selector: `app=web,tier in (a,b)`. */
export function formatStructuredSelector(selector: StructuredSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}
