/**
 * A DaemonSet's status from the nodes and its pods (upstream's
 * updateDaemonSetStatus): per node that should run the daemon,
 * desiredNumberScheduled; with a pod there, currentNumberScheduled, and for
 * its oldest pod numberReady, numberAvailable (ready for minReadySeconds) and
 * updatedNumberScheduled (current template); numberMisscheduled counts nodes
 * running it that should not. Written through the status subresource, with
 * observedGeneration, only when it changed.
 */
import { ApiError, DAEMONSETS, type DaemonSet, type Node, type Pod } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { isPodAvailable, isPodReady } from '../shared/pods.js';
import { nodeShouldRunDaemonPod } from './daemon-pod.js';
import { byAgeThenPhase, podsByNode } from './plan.js';
import { isPodUpdated } from './revision.js';

export type DaemonSetStatus = NonNullable<DaemonSet['status']>;

const STATUS_UPDATE_RETRIES = 2;

/** The status counts, and when the next pod becomes available (ms) if one is ready but not yet available. */
export function calculateDaemonSetStatus(
  ds: DaemonSet,
  nodes: readonly Node[],
  pods: readonly Pod[],
  hash: string,
  nowMs: number,
): { status: DaemonSetStatus; nextAvailableAt: number | undefined } {
  const byNode = podsByNode(pods);
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let misscheduled = 0;
  let nextAvailableAt: number | undefined;
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(ds, node);
    const onNode = byNode.get(node.metadata?.name ?? '') ?? [];
    if (!shouldRun) {
      if (onNode.length > 0) misscheduled++;
      continue;
    }
    desired++;
    const [pod] = [...onNode].sort(byAgeThenPhase);
    if (pod === undefined) continue;
    current++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
      else {
        const since = Date.parse(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
        const at = Number.isNaN(since) ? nowMs + 1000 : since + minReadySeconds * 1000 + 1;
        nextAvailableAt = Math.min(nextAvailableAt ?? at, at);
      }
    }
    if (isPodUpdated(ds, pod, hash)) updated++;
  }
  const status: DaemonSetStatus = {
    ...ds.status,
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    numberUnavailable: desired - available,
  };
  if (status.numberUnavailable === 0) delete status.numberUnavailable;
  return { status, nextAvailableAt };
}

const COUNTS = [
  'desiredNumberScheduled',
  'currentNumberScheduled',
  'numberMisscheduled',
  'numberReady',
  'numberAvailable',
  'updatedNumberScheduled',
  'numberUnavailable',
] as const;

function sameStatus(ds: DaemonSet, status: DaemonSetStatus): boolean {
  const cur = ds.status;
  return (
    cur !== undefined &&
    COUNTS.every((k) => (cur[k] ?? 0) === (status[k] ?? 0)) &&
    (cur.observedGeneration ?? 0) === (ds.metadata?.generation ?? 0)
  );
}

/** Writes status (observedGeneration = the generation this sync acted on) unless nothing changed; re-reads and retries on 409. */
export async function updateDaemonSetStatus(client: ApiClient, ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
  if (sameStatus(ds, status)) return;
  const next: DaemonSetStatus = { ...status, observedGeneration: ds.metadata?.generation ?? 0 };
  let current = ds;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.updateStatus<DaemonSet>(DAEMONSETS, { ...current, status: next });
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= STATUS_UPDATE_RETRIES) throw err;
      current = await client.get<DaemonSet>(DAEMONSETS, ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
      if (current.metadata?.uid !== ds.metadata?.uid) return;
    }
  }
}
