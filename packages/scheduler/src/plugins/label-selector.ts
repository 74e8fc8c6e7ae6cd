/**
 * Label selectors (`metav1.LabelSelector`) compiled once into a matcher, for the loops that
 * test one selector against every pod of the cluster in a cycle.
 */
import type { LabelSelectorSpec } from '@skiff/api';

/** Tests a set of labels. */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const NOTHING: LabelMatcher = () => false;
const EVERYTHING: LabelMatcher = () => true;

type Requirement = { key: string; test: (has: boolean, value: string | undefined) => boolean };

function requirement(key: string, operator: string, values: readonly string[]): Requirement {
  switch (operator) {
    case 'In':
      return { key, test: (has, v) => has && values.includes(v!) };
    case 'NotIn':
      return { key, test: (has, v) => !has || !values.includes(v!) };
    case 'Exists':
      return { key, test: (has) => has };
    case 'DoesNotExist':
      return { key, test: (has) => !has };
    default:
      // An unknown operator matches nothing, as an invalid selector would.
      return { key, test: () => false };
  }
}

/**
 * The matcher of a selector: null (no selector) matches nothing, `{}` everything, otherwise
 * every matchLabels pair and every matchExpressions requirement must hold.
 */
export function compileSelector(selector: LabelSelectorSpec | null): LabelMatcher {
  if (selector === null) return NOTHING;
  const pairs = Object.entries(selector.matchLabels ?? {});
  const requirements = (selector.matchExpressions ?? []).map((e) => requirement(e.key, e.operator, e.values ?? []));
  if (pairs.length === 0 && requirements.length === 0) return EVERYTHING;
  return (labels) => {
    const l = labels ?? {};
    for (const [k, v] of pairs) if (l[k] !== v) return false;
    for (const r of requirements) {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      if (!r.test(has, l[r.key])) return false;
    }
    return true;
  };
}
