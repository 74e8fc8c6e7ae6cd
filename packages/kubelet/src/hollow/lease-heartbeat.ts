/**
 * Heartbeat by Lease, as Kubernetes' node lease controller does it: one
 * `coordination.k8s.io/v1` Lease per node in `kube-node-lease`, named after
 * the node, holder the node, owned by the Node. Renewal is a PUT of the last
 * Lease seen with a fresh `renewTime` (its resourceVersion makes it a
 * compare-and-swap); a 404 creates it, a 409 re-reads it and tries once more.
 */
import { ApiError, LEASES, type Lease } from '@skiff/api';
import type { Heartbeat, HeartbeatTarget, RenewResult } from './heartbeat.js';
import type { HollowApi } from './http-api.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Kubernetes' default (`--node-lease-duration-seconds`). */
export const NODE_LEASE_DURATION_SECONDS = 40;

/** A MicroTime (RFC 3339 with microseconds), as Lease times are written. */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

export class LeaseHeartbeat implements Heartbeat {
  readonly method = 'lease' as const;
  readonly registrationBeats = false;
  /** The last Lease seen per node index (its resourceVersion is the next PUT's precondition). */
  private readonly leases: Array<Lease | undefined> = [];

  constructor(
    private readonly client: HollowApi,
    private readonly leaseDurationSeconds = NODE_LEASE_DURATION_SECONDS,
  ) {}

  async renew(target: HeartbeatTarget): Promise<RenewResult> {
    let lease = this.leases[target.index];
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        lease ??= await this.client.getOrUndefined<Lease>(LEASES, NODE_LEASE_NAMESPACE, target.name);
        this.leases[target.index] =
          lease === undefined
            ? await this.client.create(LEASES, NODE_LEASE_NAMESPACE, this.newLease(target))
            : await this.client.update(LEASES, this.renewed(lease, target));
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

  private newLease(target: HeartbeatTarget): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: target.name,
        namespace: NODE_LEASE_NAMESPACE,
        ...(target.uid === undefined ? {} : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: target.name, uid: target.uid }] }),
      },
      spec: { holderIdentity: target.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: microTime() },
    };
  }

  private renewed(lease: Lease, target: HeartbeatTarget): Lease {
    return {
      ...lease,
      spec: { ...lease.spec, holderIdentity: target.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: microTime() },
    };
  }
}
