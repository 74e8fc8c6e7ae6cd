/**
 * Taints and tolerations as upstream's v1helper reads them: the node
 * controller's well-known taint keys, whether a toleration tolerates a taint,
 * and the first taint of a node that a pod's tolerations leave untolerated.
 */
import type { Node, PodSpec } from '@skiff/api';

export type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];
export type Toleration = NonNullable<PodSpec['tolerations']>[number];
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** The node controller's taints (upstream's `node.kubernetes.io/*` well-known keys). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/**
 * Whether toleration tolerates taint (upstream's ToleratesTaint): the effects
 * match or the toleration's is empty; the keys match or the toleration's is
 * empty with operator Exists; operator Exists ignores the value, Equal (the
 * default) compares it.
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  const key = toleration.key ?? '';
  if (key !== '' && key !== taint.key) return false;
  const operator = toleration.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  if (key === '') return false;
  return operator === 'Equal' && (toleration.value ?? '') === (taint.value ?? '');
}

/** The first taint passing filter that no toleration tolerates (upstream's FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter: (taint: Taint) => boolean,
): Taint | undefined {
  return (taints ?? []).find((taint) => filter(taint) && !(tolerations ?? []).some((t) => tolerates(t, taint)));
}

/** Whether two taints are the same taint (key and effect; upstream's MatchTaint). */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** The node's taints with this key and effect. */
export function hasTaint(node: Node, key: string, effect: TaintEffect): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === key && t.effect === effect);
}
