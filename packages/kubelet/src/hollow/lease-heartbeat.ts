/**
 * Heartbeat by Lease, as Kubernetes' node lease controller does it: one
 * `coordination.k8s.io/v1` Lease per node in `kube-node-lease`, named after
 * the node, holder the node, owned by the Node. Renewal is a PUT of the last
 * Lease seen with a fresh `renewTime` (its resourceVersion makes it a
 * compare-and-swap); a 404 creates it, a 409 re-reads it and tries once more.
 */
import { ApiError, type KubeObject, type ResourceDescriptor } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Heartbeat, HeartbeatTarget, RenewResult } from './heartbeat.js';
import { COORDINATION_GROUP } from './heartbeat.js';

/** The Lease resource (as @skiff/api will describe it once the apiserver serves it). */
export const LEASE_RESOURCE: ResourceDescriptor = {
  group: COORDINATION_GROUP,
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  listKind: 'LeaseList',
  namespaced: true,
  shortNames: [],
  subresources: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  categories: [],
};

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Kubernetes' default (`--node-lease-duration-seconds`). */
export const NODE_LEASE_DURATION_SECONDS = 40;

/** A node Lease: the fields the heartbeat writes. */
export interface NodeLease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

/** A MicroTime (RFC 3339 with microseconds), as Lease times are written. */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

export class LeaseHeartbeat implements Heartbeat {
  readonly method = 'lease' as const;
  readonly registrationBeats = false;
  /** The last Lease seen per node index (its resourceVersion is the next PUT's precondition). */
  private readonly leases: Array<NodeLease | undefined> = [];

  constructor(
    private readonly client: ApiClient,
    private readonly leaseDurationSeconds = NODE_LEASE_DURATION_SECONDS,
  ) {}

  async renew(target: HeartbeatTarget): Promise<RenewResult> {
    let lease = this.leases[target.index];
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        lease ??= await this.client.getOrUndefined<NodeLease>(LEASE_RESOURCE, NODE_LEASE_NAMESPACE, target.name);
        this.leases[target.index] =
          lease === undefined
            ? await this.client.create(LEASE_RESOURCE, NODE_LEASE_NAMESPACE, this.newLease(target))
            : await this.client.update(LEASE_RESOURCE, this.renewed(lease, target));
        return 'ok';
      } catch (err) {
        // 409: someone else wrote it (or created it first); 404: it was deleted. Re-read and go again.
        if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) throw err;
        lease = undefined;
        this.leases[target.index] = undefined;
      }
    }
    throw new Error(`renewing the lease of node ${target.name} kept conflicting`);
  }

  private newLease(target: HeartbeatTarget): NodeLease {
    return {
      apiVersion: `${COORDINATION_GROUP}/v1`,
      kind: 'Lease',
      metadata: {
        name: target.name,
        namespace: NODE_LEASE_NAMESPACE,
        ...(target.uid === undefined
          ? {}
          : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: target.name, uid: target.uid }] }),
      },
      spec: { holderIdentity: target.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: microTime() },
    };
  }

  private renewed(lease: NodeLease, target: HeartbeatTarget): NodeLease {
    return {
      ...lease,
      spec: { ...lease.spec, holderIdentity: target.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: microTime() },
    };
  }
}
