/**
 * A hollow node's heartbeat, behind one interface with two implementations:
 * a coordination.k8s.io/v1 Lease per node in `kube-node-lease` (what
 * Kubernetes' kubelet renews every 10 s) and a patch of the Node's status
 * conditions (what Skiff's kubelet does today). The Lease is used when the
 * apiserver's discovery lists `coordination.k8s.io`.
 */
import type { ApiClient } from '@skiff/client';

export type HeartbeatMethod = 'lease' | 'node-status';

/** The node a heartbeat is for. */
export interface HeartbeatTarget {
  name: string;
  /** Index in the fleet (implementations may keep per-node state in arrays). */
  index: number;
  /** The Node's uid once known (the Lease's owner reference). */
  uid: string | undefined;
}

/** What a renewal found. `node-missing`: the Node is gone and must register again. */
export type RenewResult = 'ok' | 'node-missing';

export interface Heartbeat {
  readonly method: HeartbeatMethod;
  /** True when creating the Node is itself the first heartbeat; false when the heartbeat is a separate object to create. */
  readonly registrationBeats: boolean;
  /** Renews one node's heartbeat now, creating what is missing; rejects with the API's error otherwise. */
  renew(target: HeartbeatTarget): Promise<RenewResult>;
}

/** The API group that serves Leases. */
export const COORDINATION_GROUP = 'coordination.k8s.io';

/** True when the apiserver's discovery (`GET /apis`) lists coordination.k8s.io with version v1. */
export async function leasesServed(client: ApiClient): Promise<boolean> {
  const body = JSON.parse(await client.getText('/apis')) as {
    groups?: Array<{ name?: string; versions?: Array<{ version?: string }> }>;
  };
  const group = body.groups?.find((g) => g.name === COORDINATION_GROUP);
  return group?.versions?.some((v) => v.version === 'v1') ?? false;
}
