/**
 * What the inter-pod plugins need to know about the cluster beyond nodes and pods: namespace
 * labels (for `namespaceSelector` in pod affinity terms) and the selectors of the objects that
 * own a pod's replicas (for PodTopologySpread's default constraints).
 */
import type { LabelSelectorSpec, Pod } from '@skiff/api';

export interface ClusterObjects {
  /** The labels of namespace `name`, or undefined when the namespace is not known. */
  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined;
  /**
   * The label selectors of the Services, ReplicationControllers, ReplicaSets and StatefulSets
   * in the pod's namespace that select the pod (kube-scheduler's `helper.DefaultSelector`
   * inputs). Empty when nothing selects it.
   */
  podSelectors(pod: Pod): LabelSelectorSpec[];
}

/** No namespaces and no controllers known: namespace selectors match by `{}` only, no default spreading. */
export const NO_CLUSTER_OBJECTS: ClusterObjects = {
  namespaceLabels: () => undefined,
  podSelectors: () => [],
};
