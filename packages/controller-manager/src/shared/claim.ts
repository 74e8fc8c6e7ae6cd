/**
 * Claiming, as upstream's ControllerRefManager: a controller sorts the objects
 * its selector could cover into the ones it controls. It keeps those it
 * controls that match, releases those it controls that no longer match (drops
 * its controller reference), and adopts matching orphans (adds one). Objects
 * controlled by someone else are never touched. Adoption first re-reads the
 * owner from the apiserver (canAdopt), so a deleted or re-created owner never
 * adopts. A controller being deleted neither adopts nor releases.
 *
 * Writes are merge patches carrying the object's uid and resourceVersion, so
 * a stale cached copy fails with 409 instead of overwriting newer references.
 */
import { ApiError, type KubeObject, type ResourceDescriptor, type StructuredSelector, structuredSelectorMatches } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { controllerRefOf, newControllerRef, withOwnerReference, withoutOwnerReference, type OwnerReference } from './owner-references.js';

export interface ClaimOptions {
  client: ApiClient;
  /** The resource of the claimed objects. */
  desc: ResourceDescriptor;
  owner: KubeObject;
  ownerApiVersion: string;
  ownerKind: string;
  selector: StructuredSelector | undefined;
  /** Throws when the owner may not adopt (gone, re-created, or being deleted); called at most once. */
  canAdopt(): Promise<void>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

async function setOwnerReferences<T extends KubeObject>(options: ClaimOptions, object: T, refs: OwnerReference[]): Promise<T> {
  const meta = object.metadata ?? {};
  const patch = { metadata: { ownerReferences: refs, uid: meta.uid, resourceVersion: meta.resourceVersion } };
  return options.client.patch<T>(options.desc, meta.namespace ?? '', meta.name ?? '', patch, 'merge');
}

/**
 * The objects (already filtered to the owner's namespace) that the owner
 * controls after claiming, with adopted ones as the apiserver returned them.
 * Rejects on the first failed write other than 404 (the caller retries later).
 */
export async function claimObjects<T extends KubeObject>(options: ClaimOptions, objects: readonly T[]): Promise<T[]> {
  const ownerUid = options.owner.metadata?.uid ?? '';
  const ownerDeleting = options.owner.metadata?.deletionTimestamp !== undefined;
  const selectorEmpty =
    Object.keys(options.selector?.matchLabels ?? {}).length === 0 && (options.selector?.matchExpressions ?? []).length === 0;
  const matches = (o: KubeObject): boolean => !selectorEmpty && structuredSelectorMatches(options.selector, o.metadata?.labels);
  let adoptChecked: Promise<void> | undefined;
  const claimed: T[] = [];
  for (const object of objects) {
    const ref = controllerRefOf(object);
    if (ref !== undefined) {
      if (ref.uid !== ownerUid) continue;
      if (matches(object)) {
        claimed.push(object);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await setOwnerReferences(options, object, withoutOwnerReference(object, ownerUid));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      continue;
    }
    if (ownerDeleting || !matches(object) || object.metadata?.deletionTimestamp !== undefined) continue;
    adoptChecked ??= options.canAdopt();
    await adoptChecked;
    try {
      const ownerRef = newControllerRef(options.owner, options.ownerApiVersion, options.ownerKind);
      claimed.push(await setOwnerReferences(options, object, withOwnerReference(object, ownerRef)));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return claimed;
}

/** A canAdopt that re-reads the owner and refuses when it is gone, has another uid, or is being deleted. */
export function recheckOwner(client: ApiClient, desc: ResourceDescriptor, owner: KubeObject): () => Promise<void> {
  return async () => {
    const meta = owner.metadata ?? {};
    const fresh = await client.get(desc, meta.namespace ?? '', meta.name ?? '');
    if (fresh.metadata?.uid !== meta.uid) {
      throw new Error(`original ${desc.kind} ${meta.namespace ?? ''}/${meta.name ?? ''} is gone: got uid ${fresh.metadata?.uid ?? ''}`);
    }
    if (fresh.metadata?.deletionTimestamp !== undefined) {
      throw new Error(`${desc.kind} ${meta.namespace ?? ''}/${meta.name ?? ''} has just been deleted`);
    }
  };
}
