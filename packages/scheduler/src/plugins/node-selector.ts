/** Node selector terms with Kubernetes' operators (`nodeaffinity.NodeSelector`). */
import type { Node } from '@skiff/api';

/** One requirement of a term: `key <operator> values`. */
export interface RequirementLike {
  key: string;
  operator: string;
  values?: string[];
}

/** A node selector term: expressions on labels and fields, all of which must hold. */
export interface TermLike {
  matchExpressions?: RequirementLike[];
  matchFields?: RequirementLike[];
}

/** Parses a Gt/Lt operand the way Go's `strconv.ParseInt` does (decimal, optional sign). */
export function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** One requirement against a map of labels (or fields). Unknown operators never match. */
export function requirementMatches(r: RequirementLike, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const actual = parseInteger(value!);
      const bound = parseInteger(values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/**
 * A term matches when it has at least one requirement and all hold; `matchFields` knows only
 * `metadata.name`. An empty term matches nothing.
 */
export function termMatches(term: TermLike, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!expressions.every((r) => requirementMatches(r, labels))) return false;
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, nodeFields));
}

/** Terms are ORed: some term matches. */
export function anyTermMatches(terms: readonly TermLike[], node: Node): boolean {
  return terms.some((t) => termMatches(t, node));
}
