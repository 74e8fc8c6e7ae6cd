/**
 * The controllers' spans. Each sync of a workload runs in a `sync <Kind>`
 * span whose parent is the workload's traceparent annotation (stamped by the
 * apiserver at create), so the object's trace shows its controller's work, and
 * the requests a sync makes carry that context (a ReplicaSet a Deployment sync
 * creates continues the Deployment's trace). A pod keeps one trace of its own:
 * it is created under a new root span, `create pod`, linked to the sync that
 * caused it. On a sampled-out or non-exporting tracer these spans are
 * non-recording and cost an id each; there is one per sync and one per pod
 * created, never per event.
 */
import type { KubeObject, Pod } from '@skiff/api';
import { inLinkedRootSpan, inObjectSpan, tracer } from '@skiff/telemetry';

const controllerTracer = tracer('controller-manager');

/** The workload kinds whose syncs are traced, with their OpenTelemetry attribute prefix. */
const ATTRIBUTE_PREFIX = { ReplicaSet: 'k8s.replicaset', Deployment: 'k8s.deployment', DaemonSet: 'k8s.daemonset' } as const;

export type TracedKind = keyof typeof ATTRIBUTE_PREFIX;

/** Runs one sync of `object` in a `sync <kind>` span joined to the object's trace; rejections mark it failed and pass on. */
export function inSyncSpan<T>(kind: TracedKind, object: KubeObject, sync: () => Promise<T>): Promise<T> {
  const prefix = ATTRIBUTE_PREFIX[kind];
  const attributes = {
    'k8s.namespace.name': object.metadata?.namespace ?? '',
    [`${prefix}.name`]: object.metadata?.name ?? '',
    [`${prefix}.uid`]: object.metadata?.uid ?? '',
  };
  return inObjectSpan(controllerTracer, `sync ${kind}`, object, attributes, sync);
}

/**
 * Creates a pod through `create` inside a new root span `create pod` linked to the active (sync)
 * span, so the create request, and with it the pod's traceparent, starts the pod's own trace.
 * Records the created pod's name and uid on the span.
 */
export function createPodInOwnTrace(namespace: string, create: () => Promise<Pod>): Promise<Pod> {
  return inLinkedRootSpan(controllerTracer, 'create pod', 'owner sync', { 'k8s.namespace.name': namespace }, async (span) => {
    const pod = await create();
    span.setAttributes({ 'k8s.pod.name': pod.metadata?.name ?? '', 'k8s.pod.uid': pod.metadata?.uid ?? '' });
    return pod;
  });
}
