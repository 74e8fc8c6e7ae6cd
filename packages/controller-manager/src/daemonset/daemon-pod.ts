/**
 * A DaemonSet's pod for one node, and whether a node should run it (upstream's
 * NewPod, AddOrUpdateDaemonPodTolerations and NodeShouldRunDaemonPod).
 *
 * Daemon pods tolerate, beyond their template's tolerations,
 * `not-ready`/`unreachable` NoExecute (forever: a daemon stays on a failing
 * node) and `disk-pressure`/`memory-pressure`/`pid-pressure`/`unschedulable`
 * NoSchedule. They carry the `controller-revision-hash` and
 * `pod-template-generation` labels, the DaemonSet's controller reference, the
 * node-name affinity term, and `spec.nodeName` (bound at creation: placement
 * does not wait for the scheduler; the kubelet's admission checks the fit).
 */
import type { DaemonSet, Node, Pod } from '@skiff/api';
import { newControllerRef } from '../shared/owner-references.js';
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  findUntoleratedTaint,
  type Toleration,
} from '../shared/taints.js';
import { podFitsNodeAffinity, withNodeNameAffinity } from './node-affinity.js';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** The tolerations every daemon pod gets (added when the template has none with the same key and effect). */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
  { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
  { key: TAINT_NODE_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_NODE_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_NODE_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
  { key: TAINT_NODE_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
];

/** Same key, operator, value and effect (upstream's MatchToleration; tolerationSeconds may differ). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '')
  );
}

/** tolerations with each daemon toleration added, or put in place of the one it matches (upstream's AddOrUpdateTolerationInPodSpec). */
export function withDaemonTolerations(tolerations: readonly Toleration[] | undefined): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const t of DAEMON_POD_TOLERATIONS) {
    const at = out.findIndex((o) => sameToleration(o, t));
    if (at >= 0) out[at] = { ...t };
    else out.push({ ...t });
  }
  return out;
}

/** The DaemonSet's pod for nodeName (unnamed: `generateName` is `<ds>-`). */
export function newDaemonPod(ds: DaemonSet, nodeName: string, templateHash: string): Pod {
  const template = ds.spec?.template;
  const meta = template?.metadata;
  const spec = structuredClone(template?.spec ?? { containers: [] });
  spec.tolerations = withDaemonTolerations(spec.tolerations);
  spec.affinity = withNodeNameAffinity(spec.affinity, nodeName);
  spec.nodeName = nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace,
      labels: {
        ...meta?.labels,
        [CONTROLLER_REVISION_HASH_LABEL]: templateHash,
        [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 1),
      },
      ...(meta?.annotations === undefined ? {} : { annotations: { ...meta.annotations } }),
      ...(meta?.finalizers === undefined ? {} : { finalizers: [...meta.finalizers] }),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  };
}

/**
 * Whether the DaemonSet should run a pod on node (`shouldRun`) and whether a
 * pod already there may stay (`shouldContinueRunning`). Node selector and
 * affinity failing: neither. An untolerated NoSchedule taint: no new pod, but
 * one running stays; an untolerated NoExecute taint: neither.
 */
export function nodeShouldRunDaemonPod(ds: DaemonSet, node: Node): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const probe: Pod = {
    spec: { ...ds.spec?.template?.spec, containers: [], tolerations: withDaemonTolerations(ds.spec?.template?.spec?.tolerations) },
  };
  const nodeName = ds.spec?.template?.spec?.nodeName;
  if ((nodeName !== undefined && nodeName !== '' && nodeName !== node.metadata?.name) || !podFitsNodeAffinity(probe, node)) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  const taints = node.spec?.taints;
  const tolerations = probe.spec?.tolerations;
  if (findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute') === undefined) {
    return { shouldRun: true, shouldContinueRunning: true };
  }
  return {
    shouldRun: false,
    shouldContinueRunning: findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute') === undefined,
  };
}
