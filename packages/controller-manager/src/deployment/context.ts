/**
 * What one Deployment sync works with: the client, events, the clock, the
 * queue (to look again later), the pod cache (Recreate waits for old pods), and
 * the Deployment itself, which follows every status write so the next write
 * carries the newest resourceVersion.
 */
import { DEPLOYMENTS, REPLICASETS, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiClient, EventRecorder } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { replicasAnnotationsNeedUpdate, setReplicasAnnotations } from './annotations.js';
import type { DeploymentStatus } from './conditions.js';

export interface SyncContext {
  client: ApiClient;
  events: EventRecorder | undefined;
  logger: Logger;
  now(): number;
  /** Syncs the Deployment again after delayMs. */
  enqueueAfter(d: Deployment, delayMs: number): void;
  /** Syncs the Deployment again after its backoff. */
  enqueueRateLimited(d: Deployment): void;
  /** Pods of a namespace, from the pod informer. */
  podsIn(namespace: string): Pod[];
}

/** The Deployment being synced. */
export class Rollout {
  constructor(
    readonly ctx: SyncContext,
    public d: Deployment,
  ) {}

  get name(): string {
    return this.d.metadata?.name ?? '';
  }

  get namespace(): string {
    return this.d.metadata?.namespace ?? '';
  }

  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events?.record(this.d, type, reason, message);
  }

  /** Writes status (and the metadata it carries, such as the revision annotation) through the status subresource. */
  async writeStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.ctx.client.updateStatus<Deployment>(DEPLOYMENTS, { ...this.d, status });
  }

  /**
   * Sets a ReplicaSet's spec.replicas to newScale and its replicas annotations
   * to the Deployment's (upstream's scaleReplicaSet). Returns whether the size
   * changed and the ReplicaSet as stored.
   */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, operation: 'up' | 'down'): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const oldScale = rs.spec?.replicas ?? 1;
    const sizeChanged = oldScale !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, this.d)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, selector: copy.spec?.selector ?? {}, replicas: newScale };
    setReplicasAnnotations(copy, this.d);
    const updated = await this.ctx.client.update<ReplicaSet>(REPLICASETS, copy);
    if (sizeChanged) {
      this.event(
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${operation} replica set ${updated.metadata?.name ?? ''} to ${newScale} from ${oldScale}`,
      );
    }
    return { scaled: sizeChanged, rs: updated };
  }

  /** scaleReplicaSet unless the size is already newScale (upstream's scaleReplicaSetAndRecordEvent). */
  async scaleReplicaSetTo(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const current = rs.spec?.replicas ?? 1;
    if (current === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, current < newScale ? 'up' : 'down');
  }
}
