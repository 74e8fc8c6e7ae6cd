/**
 * Owner references: how a controller marks the objects it controls. An object
 * has at most one owner reference with `controller: true` (its controller
 * reference); the controller that created or adopted it is that owner.
 */
import type { KubeObject, ObjectMeta } from '@skiff/api';

export type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/** The owner reference with `controller: true`, if any. */
export function controllerRefOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controller reference to owner (`controller: true`, `blockOwnerDeletion: true`), as upstream's NewControllerRef. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether object's controller reference points at the owner with this uid. */
export function isControlledBy(object: KubeObject, ownerUid: string | undefined): boolean {
  return ownerUid !== undefined && controllerRefOf(object)?.uid === ownerUid;
}

/** object's owner references with ref added (replacing any reference with the same uid). */
export function withOwnerReference(object: KubeObject, ref: OwnerReference): OwnerReference[] {
  return [...(object.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
}

/** object's owner references without the one to the owner with this uid. */
export function withoutOwnerReference(object: KubeObject, ownerUid: string): OwnerReference[] {
  return (object.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
}

/** The owner a controller reference points at, if the cache holds an object of that kind, name and uid. */
export function resolveControllerRef<T extends KubeObject>(
  cache: { get(key: string): T | undefined },
  kind: string,
  namespace: string,
  ref: OwnerReference | undefined,
): T | undefined {
  if (ref?.kind !== kind) return undefined;
  const owner = cache.get(`${namespace}/${ref.name}`);
  return owner?.metadata?.uid === ref.uid ? owner : undefined;
}
