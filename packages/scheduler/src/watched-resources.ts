/**
 * Every resource the scheduler follows through informers: pods and nodes for placement, and
 * namespaces, Services and ReplicaSets for the inter-pod plugins (see cluster-objects.ts). The
 * cluster's NATS permissions are derived from this list: an informer of another resource must be added
 * here, or NATS refuses its consumer (test/e2e/cluster-stop.test.ts fails on any refused watch).
 */
import { NAMESPACES, NODES, PODS, REPLICASETS, SERVICES, type ResourceDescriptor } from '@skiff/api';

export const SCHEDULER_WATCHED_RESOURCES: readonly ResourceDescriptor[] = [PODS, NODES, NAMESPACES, SERVICES, REPLICASETS];
