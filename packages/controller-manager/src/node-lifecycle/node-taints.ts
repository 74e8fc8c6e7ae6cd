/**
 * Writing a node's taints: add some and remove others in one write (upstream's
 * SwapNodeControllerTaint). A merge patch replaces `spec.taints` and carries
 * the node's resourceVersion, so a stale copy fails with 409; the write is
 * then retried on a fresh read. NoExecute taints get `timeAdded` (the taint
 * eviction controller counts tolerationSeconds from it).
 */
import { ApiError, NODES, nowTimestamp, type Node } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { sameTaint, type Taint } from '../shared/taints.js';

const RETRIES = 5;

/** node's taints with add added (those not there yet) and remove removed; undefined when nothing changes. */
export function swappedTaints(node: Node, add: readonly Taint[], remove: readonly Taint[], nowMs: number): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const kept = current.filter((t) => !remove.some((r) => sameTaint(r, t)));
  const added = add
    .filter((a) => !kept.some((t) => sameTaint(a, t)))
    .map((a) => (a.effect === 'NoExecute' ? { ...a, timeAdded: nowTimestamp(new Date(nowMs)) } : { ...a }));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}

/** Adds and removes taints on the node named like node (starting from that copy); resolves true when it wrote. */
export async function swapNodeTaints(client: ApiClient, node: Node, add: readonly Taint[], remove: readonly Taint[]): Promise<boolean> {
  let current = node;
  const name = node.metadata?.name ?? '';
  for (let attempt = 0; ; attempt++) {
    const taints = swappedTaints(current, add, remove, Date.now());
    if (taints === undefined) return false;
    try {
      await client.patch<Node>(
        NODES,
        '',
        name,
        { metadata: { resourceVersion: current.metadata?.resourceVersion }, spec: { taints } },
        'merge',
      );
      return true;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= RETRIES) throw err;
      current = await client.get<Node>(NODES, '', name);
    }
  }
}
