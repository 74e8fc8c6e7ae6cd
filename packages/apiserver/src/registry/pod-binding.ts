/**
 * The pods/binding subresource: assigns a pod to a node, once. It writes the
 * pod directly (an update through the generic registry would refuse the
 * nodeName change as a spec change), with compare-and-swap retries.
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
import { StoreError, type Store } from '@skiff/store';
import { withRevision } from './generic.js';

const MAX_RETRIES = 5;

/** Binds pod `name` in `namespace` to binding.target.name; 409 when it is already bound elsewhere or being deleted. */
export async function bindPod(store: Store, namespace: string, name: string, binding: Binding, dryRun = false): Promise<Pod> {
  const node = binding.target?.name;
  if (typeof node !== 'string' || node === '') throw badRequest('binding.target.name is required');
  if (binding.metadata?.name !== undefined && binding.metadata.name !== name) {
    throw badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod (${name})`);
  }
  const key = objectKey(PODS, namespace, name);
  for (let attempt = 0; ; attempt++) {
    const current = await store.get(key);
    if (current === null) throw notFound('pods', '', name);
    const pod = current.object as Pod;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      throw conflict('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
    }
    if (binding.metadata?.uid !== undefined && binding.metadata.uid !== pod.metadata?.uid) {
      throw conflict(
        'pods',
        '',
        name,
        `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata?.uid ?? ''}`,
      );
    }
    const existing = pod.spec?.nodeName;
    if (existing !== undefined && existing !== '') {
      throw conflict('pods', '', name, `pod ${name} is already assigned to node "${existing}"`);
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
      if (err instanceof StoreError && err.kind === 'conflict' && attempt < MAX_RETRIES) continue;
      if (err instanceof StoreError && err.kind === 'not-found') throw notFound('pods', '', name);
      if (err instanceof StoreError) throw new ApiError(409, 'Conflict', err.message);
      throw err;
    }
  }
}
