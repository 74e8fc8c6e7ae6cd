/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's
 * semantics: a candidate takes the lease when it is free or its holder has not
 * renewed it within `leaseDurationSeconds`; the leader renews every
 * `retryPeriodMs` and gives up leadership if it cannot renew within
 * `renewDeadlineMs`. Every write is a compare-and-swap on the lease's
 * resourceVersion, so two candidates never both believe they won.
 */
import { ApiError, LEASES, type Lease } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import type { ApiClient } from './api-client.js';

export interface LeaderElectionOptions {
  client: ApiClient;
  logger: Logger;
  namespace?: string;
  /** The lease's name, e.g. `kube-scheduler`. */
  name: string;
  /** This candidate's identity (hostname + a random suffix is typical). */
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called when this candidate becomes leader; the signal aborts when leadership is lost or stop() is called. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership is lost (not on stop()). */
  onStoppedLeading?(): void;
}

function microTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  private stopped = false;
  private leading: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private lastRenew = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly options: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops campaigning; a leader releases the lease so another can take it at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.leading !== undefined) {
      this.leading.abort();
      this.leading = undefined;
      await this.release().catch(() => undefined);
    }
  }

  private get ns(): string {
    return this.options.namespace ?? 'kube-system';
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const retry = this.options.retryPeriodMs ?? 2000;
    const renewDeadline = this.options.renewDeadlineMs ?? 10_000;
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.options.logger.warn({ err, lease: this.options.name }, 'leader election request failed');
      }
      if (ok) {
        this.lastRenew = Date.now();
        if (this.leading === undefined) {
          this.leading = new AbortController();
          this.options.logger.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
          void Promise.resolve(this.options.onStartedLeading(this.leading.signal)).catch((err: unknown) =>
            this.options.logger.error({ err }, 'leader work failed'),
          );
        }
      } else if (this.leading !== undefined && Date.now() - this.lastRenew > renewDeadline) {
        this.options.logger.warn({ lease: this.options.name }, 'lost leadership: could not renew the lease in time');
        this.leading.abort();
        this.leading = undefined;
        this.options.onStoppedLeading?.();
      }
      await this.sleep(retry);
    }
  }

  /** One round: true when this candidate holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, name, identity } = this.options;
    const duration = this.options.leaseDurationSeconds ?? 15;
    const now = Date.now();
    const lease = await client.getOrUndefined<Lease>(LEASES, this.ns, name);
    if (lease === undefined) {
      try {
        await client.create<Lease>(LEASES, this.ns, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: this.ns },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: duration,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists') return false;
        throw err;
      }
    }
    const spec = lease.spec ?? {};
    const held = spec.holderIdentity !== undefined && spec.holderIdentity !== '' && spec.holderIdentity !== identity;
    const renewed = spec.renewTime === undefined ? 0 : Date.parse(String(spec.renewTime));
    const expired = now > renewed + (spec.leaseDurationSeconds ?? duration) * 1000;
    if (held && !expired) return false;
    const mine = spec.holderIdentity === identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      renewTime: microTime(now),
      ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      await client.update<Lease>(LEASES, lease);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.options.client.getOrUndefined<Lease>(LEASES, this.ns, this.options.name);
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    lease.spec = { ...lease.spec, holderIdentity: '', renewTime: microTime(0) };
    await this.options.client.update<Lease>(LEASES, lease);
  }
}
