/** Taint/toleration matching with Kubernetes' rules (`Toleration.ToleratesTaint`). */
import type { Pod } from '@skiff/api';

/** A node taint (`spec.taints[]`). */
export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
}

/** A pod toleration (`spec.tolerations[]`). */
export interface TolerationLike {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/**
 * An empty effect tolerates every effect; an empty key with `Exists` tolerates every key;
 * `Exists` ignores the value; `Equal` (the default) needs the same value.
 */
export function toleratesTaint(t: TolerationLike, taint: TaintLike): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (t.operator === undefined || t.operator === '' || t.operator === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** True when some toleration in the list tolerates the taint. */
export function tolerated(tolerations: readonly TolerationLike[], taint: TaintLike): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** The pod's tolerations (an empty list when it has none). */
export function podTolerations(pod: Pod): readonly TolerationLike[] {
  return pod.spec?.tolerations ?? [];
}
