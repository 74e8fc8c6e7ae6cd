/**
 * Which template a daemon pod was made from. The DaemonSet's current template
 * is named by its hash (the `controller-revision-hash` label Skiff writes is
 * the template's FNV hash with the collision count, as the Deployment
 * controller's pod-template-hash; no ControllerRevision objects are kept). A
 * pod is updated when its hash label equals it, or, for a pod without the
 * label, when its `pod-template-generation` equals the DaemonSet's generation
 * (upstream's IsPodUpdated).
 */
import type { DaemonSet, Pod } from '@skiff/api';
import { computeTemplateHash } from '../shared/template-hash.js';
import { CONTROLLER_REVISION_HASH_LABEL, POD_TEMPLATE_GENERATION_LABEL } from './daemon-pod.js';

/** The hash naming the DaemonSet's current template. */
export function currentTemplateHash(ds: DaemonSet): string {
  return computeTemplateHash(ds.spec?.template, ds.status?.collisionCount);
}

export function isPodUpdated(ds: DaemonSet, pod: Pod, hash: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  const podHash = labels[CONTROLLER_REVISION_HASH_LABEL];
  if (podHash !== undefined) return podHash === hash;
  return labels[POD_TEMPLATE_GENERATION_LABEL] === String(ds.metadata?.generation ?? 1);
}
