/**
 * Node selection for daemon pods (upstream's nodeaffinity helper and
 * ReplaceDaemonSetPodNodeNameNodeAffinity):
 * - a pod fits a node when its nodeSelector labels all match and, if it has a
 *   required node affinity, at least one of its nodeSelectorTerms matches (a
 *   term matches when all its matchExpressions match the node's labels and all
 *   its matchFields match the node's fields; an empty term matches nothing);
 * - the affinity a daemon pod is created with pins it to its node: its
 *   required terms become the one term `matchFields: metadata.name In [node]`
 *   (the controller has already checked the label terms against that node).
 */
import type { Node, Pod } from '@skiff/api';

type Affinity = NonNullable<NonNullable<Pod['spec']>['affinity']>;
type NodeSelector = NonNullable<NonNullable<Affinity['nodeAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>;
type NodeSelectorTerm = NodeSelector['nodeSelectorTerms'][number];
type Requirement = NonNullable<NodeSelectorTerm['matchExpressions']>[number];

/** The one field upstream's matchFields supports. */
const NODE_NAME_FIELD = 'metadata.name';

function requirementMatches(req: Requirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0] ?? '', 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    expressions.every((r) => requirementMatches(r, labels[r.key])) &&
    fields.every((r) => r.key === NODE_NAME_FIELD && requirementMatches(r, node.metadata?.name))
  );
}

/** Whether the pod's nodeSelector and required node affinity admit the node. */
export function podFitsNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}

/** affinity whose required node terms are replaced by `metadata.name In [nodeName]`; preferred terms and pod (anti-)affinity are kept. */
export function withNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const pin: Requirement = { key: NODE_NAME_FIELD, operator: 'In', values: [nodeName] };
  const next = structuredClone(affinity ?? {});
  const nodeAffinity = (next.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [pin] }] };
  return next;
}
