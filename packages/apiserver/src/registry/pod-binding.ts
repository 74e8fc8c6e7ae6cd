/**
 * The pods/binding subresource: assigns a pod to a node, once. It writes the
 * pod directly (an update through the generic registry would refuse the
 * nodeName change as a spec change), with compare-and-swap retries.
 *
 * The first attempt reads the pod from the watch cache when it holds it (a
 * scheduler binds pods it just saw created, so the cache nearly always has
 * them): the write's compare-and-swap on the cached revision catches a stale
 * read, and any refusal is decided on a fresh read from the store.
 */
import {
  ApiError,
  badRequest,
  conflict,
  milestoneAnnotation,
  milestoneTime,
  notFound,
  nowTimestamp,
  objectKey,
  PODS,
  type Binding,
  type Pod,
} from '@skiff/api';
import { StoreError, type Store, type StoredObject } from '@skiff/store';
import { withRevision } from './generic.js';

const MAX_RETRIES = 5;

/** Where a binding may read the pod first (the watch cache). */
export interface CachedObjects {
  get(key: string): StoredObject | undefined;
}

/** Binds pod `name` in `namespace` to binding.target.name; 409 when it is already bound elsewhere or being deleted. */
export async function bindPod(
  store: Store,
  namespace: string,
  name: string,
  binding: Binding,
  dryRun = false,
  cache?: CachedObjects,
): Promise<Pod> {
  const node = binding.target?.name;
  if (typeof node !== 'string' || node === '') throw badRequest('binding.target.name is required');
  if (binding.metadata?.name !== undefined && binding.metadata.name !== name) {
    throw badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod (${name})`);
  }
  const key = objectKey(PODS, namespace, name);
  let cached = cache?.get(key);
  for (let attempt = 0; ; attempt++) {
    const fromCache = cached !== undefined;
    const current = cached ?? (await store.get(key));
    cached = undefined;
    if (current === null) throw notFound('pods', '', name);
    // A copy: the cached object is shared, and every field changed below is replaced, not edited.
    const pod = { ...current.object } as Pod;
    const refusal = bindingRefusal(pod, name, binding);
    if (refusal !== undefined) {
      if (fromCache) continue;
      throw refusal;
    }
    pod.spec = { ...(pod.spec ?? { containers: [] }), nodeName: node };
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null as unknown as undefined,
      lastTransitionTime: nowTimestamp(),
    });
    pod.status = { ...pod.status, conditions };
    pod.metadata = {
      ...pod.metadata,
      annotations: { ...pod.metadata?.annotations, ...binding.metadata?.annotations, [milestoneAnnotation('bound')]: milestoneTime() },
    };
    if (dryRun) return pod;
    try {
      const revision = await store.update(key, pod, current.revision);
      return withRevision({ revision, object: pod }) as Pod;
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict' && (fromCache || attempt < MAX_RETRIES)) continue;
      if (err instanceof StoreError && err.kind === 'not-found') throw notFound('pods', '', name);
      if (err instanceof StoreError) throw new ApiError(409, 'Conflict', err.message);
      throw err;
    }
  }
}

/** Why `pod` cannot take the binding (409), or undefined. */
function bindingRefusal(pod: Pod, name: string, binding: Binding): ApiError | undefined {
  if (pod.metadata?.deletionTimestamp !== undefined) {
    return conflict('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
  }
  if (binding.metadata?.uid !== undefined && binding.metadata.uid !== pod.metadata?.uid) {
    return conflict(
      'pods',
      '',
      name,
      `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata?.uid ?? ''}`,
    );
  }
  const existing = pod.spec?.nodeName;
  if (existing !== undefined && existing !== '') return conflict('pods', '', name, `pod ${name} is already assigned to node "${existing}"`);
  return undefined;
}
