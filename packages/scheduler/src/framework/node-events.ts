/** Which {@link ActionType}s a Node update is (kube-scheduler's `nodeSchedulingPropertiesChange`). */
import type { Node } from '@skiff/api';
import { ActionType } from './events.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The bit set of update actions between two versions of a node (0: nothing the scheduler uses). */
export function nodeUpdateActions(previous: Node, next: Node): number {
  let actions = 0;
  if (!same(previous.status?.allocatable, next.status?.allocatable)) actions |= ActionType.UpdateNodeAllocatable;
  if (!same(previous.metadata?.labels, next.metadata?.labels)) actions |= ActionType.UpdateNodeLabel;
  if (!same(previous.spec?.taints, next.spec?.taints) || (previous.spec?.unschedulable ?? false) !== (next.spec?.unschedulable ?? false)) {
    actions |= ActionType.UpdateNodeTaint;
  }
  const conditions = (n: Node): unknown => (n.status?.conditions ?? []).map((c) => [c.type, c.status]);
  if (!same(conditions(previous), conditions(next))) actions |= ActionType.UpdateNodeCondition;
  if (!same(previous.status?.images, next.status?.images)) actions |= ActionType.Update;
  return actions;
}
