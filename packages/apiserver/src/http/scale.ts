/**
 * The scale subresource of Deployments and ReplicaSets (autoscaling/v1
 * Scale), which `kubectl scale` reads and patches.
 */
import { badRequest, formatStructuredSelector, type KubeObject, type ResourceDescriptor, type StructuredSelector } from '@skiff/api';
import type { GenericRegistry } from '../registry/generic.js';
import { applyPatch } from './patch.js';

interface Scalable {
  spec?: { replicas?: number; selector?: StructuredSelector };
  status?: { replicas?: number };
}

/** The Scale view of a scalable object. */
export function scaleOf(object: KubeObject): KubeObject {
  const o = object as KubeObject & Scalable;
  const meta = object.metadata ?? {};
  const selector = formatStructuredSelector(o.spec?.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector: selector === '<none>' ? '' : selector },
  };
}

function replicasOf(scale: KubeObject): number {
  const replicas = (scale['spec'] as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw badRequest('spec.replicas must be a non-negative integer');
  return replicas;
}

/** Writes a new replica count from a Scale (PUT) or a patch of the Scale (PATCH). */
export async function updateScale(
  registry: GenericRegistry,
  desc: ResourceDescriptor,
  namespace: string,
  name: string,
  change: { kind: 'put'; scale: KubeObject } | { kind: 'patch'; type: string; patch: unknown },
  dryRun: boolean,
): Promise<KubeObject> {
  const updated = await registry.patch(
    desc,
    namespace,
    name,
    (current) => {
      const scale = change.kind === 'put' ? change.scale : (applyPatch(change.type, scaleOf(current), change.patch) as KubeObject);
      const rv = scale.metadata?.resourceVersion;
      const next = current as KubeObject & Scalable;
      next.spec = { ...next.spec, replicas: replicasOf(scale) };
      if (change.kind === 'put' && rv !== undefined && rv !== '') next.metadata = { ...next.metadata, resourceVersion: rv };
      return next;
    },
    undefined,
    { dryRun },
  );
  return scaleOf(updated);
}
