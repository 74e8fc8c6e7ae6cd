/**
 * The node lifecycle controller (upstream's pkg/controller/nodelifecycle,
 * taint-based eviction).
 *
 * Contract:
 * - Every monitorPeriod it looks at each node: when no heartbeat (Lease
 *   renewal or Ready lastHeartbeatTime, see health.ts) advanced for the grace
 *   period (the startup grace period for a node that never reported Ready),
 *   its Ready and pressure conditions become Unknown (conditions.ts). A node
 *   whose Ready leaves True gets a `NodeNotReady` event.
 * - NoSchedule taints follow the conditions at once; the NoExecute
 *   `not-ready`/`unreachable` taint is queued per zone and added at the
 *   zone's rate (zones.ts; a token bucket with burst 1), swapped at once when
 *   the node goes from one state to the other, and removed at once when the
 *   node is Ready (desired-taints.ts).
 * - When every zone is fully disrupted, no NoExecute taint is added and the
 *   existing ones are lifted (upstream's "the controller is cut off" rule).
 * - Pods are evicted by the TaintEvictionController from the taints.
 * Writes carry the node's resourceVersion; a conflict waits for the next pass.
 *
 * Left out (upstream has them): marking the pods of an unreachable node
 * NotReady, the zone-state metrics, and `node.kubernetes.io/network-unavailable`.
 */
import { ApiError, NODES, type Lease, type Node } from '@skiff/api';
import type { ApiClient, EventRecorder, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { hasTaint, type Taint } from '../shared/taints.js';
import { readyStatus, unknownConditions } from './conditions.js';
import { NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE, noExecuteTaint, noScheduleTaints } from './desired-taints.js';
import { NodeHealthTracker } from './health.js';
import { swapNodeTaints } from './node-taints.js';
import { TokenBucket } from './token-bucket.js';
import { DEFAULT_EVICTION_RATES, zoneEvictionRate, zoneKey, zoneState, type EvictionRates, type ZoneState } from './zones.js';

/** Where kubelets keep their Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  client: ApiClient;
  nodes: Informer<Node>;
  /** Leases of namespace kube-node-lease. */
  leases: Informer<Lease>;
  logger: Logger;
  events: EventRecorder | undefined;
  /** How often nodes are checked (--node-monitor-period, default 5 s). */
  monitorPeriodMs?: number;
  /** Heartbeat silence after which a node is Unknown (--node-monitor-grace-period, default 40 s). */
  gracePeriodMs?: number;
  /** The same for a node that never reported Ready (--node-startup-grace-period, default 60 s). */
  startupGracePeriodMs?: number;
  rates?: Partial<EvictionRates>;
  /** How often the zone queues are served (default 100 ms, as upstream). */
  taintPassMs?: number;
}

export class NodeLifecycleController {
  private readonly health = new NodeHealthTracker();
  private readonly rates: EvictionRates;
  private readonly buckets = new Map<string, TokenBucket>();
  /** Nodes waiting for their NoExecute taint, per zone, in arrival order. */
  private readonly waiting = new Map<string, Set<string>>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly lastReady = new Map<string, string>();
  private allDisrupted = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private pass: Promise<void> | undefined;
  private taintPass: Promise<void> | undefined;
  private running = false;

  constructor(private readonly options: NodeLifecycleOptions) {
    this.rates = { ...DEFAULT_EVICTION_RATES, ...options.rates };
  }

  /** Starts the passes once the node and Lease informers have synced. */
  async start(): Promise<void> {
    await Promise.all([this.options.nodes.synced, this.options.leases.synced]);
    this.running = true;
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.monitorPeriodMs ?? 5000, () => this.runMonitorPass());
    every(this.options.taintPassMs ?? 100, () => this.runTaintPass());
    this.runMonitorPass();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.all([this.pass, this.taintPass]);
  }

  /** The state of every zone after the last pass, for tests and debugging. */
  zones(): Map<string, ZoneState> {
    return new Map(this.zoneStates);
  }

  private runMonitorPass(): void {
    if (!this.running || this.pass !== undefined) return;
    this.pass = this.monitorNodes(Date.now())
      .catch((err: unknown) => this.options.logger.warn({ err }, 'node monitor pass failed'))
      .finally(() => (this.pass = undefined));
  }

  private runTaintPass(): void {
    if (!this.running || this.taintPass !== undefined || this.allDisrupted) return;
    this.taintPass = this.addNoExecuteTaints(Date.now())
      .catch((err: unknown) => this.options.logger.warn({ err }, 'node tainting pass failed'))
      .finally(() => (this.taintPass = undefined));
  }

  /** One pass over every node (upstream's monitorNodeHealth). */
  async monitorNodes(nowMs: number): Promise<void> {
    const nodes = this.options.nodes.list();
    const names = new Set<string>();
    const zones = new Map<string, { ready: number; notReady: number; nodes: Node[] }>();
    for (const cached of nodes) {
      const name = cached.metadata?.name ?? '';
      names.add(name);
      const node = await this.updateHealth(cached, nowMs);
      const ready = readyStatus(node);
      const before = this.lastReady.get(name);
      this.lastReady.set(name, ready);
      if (before === 'True' && ready !== 'True') {
        this.options.logger.info({ node: name, ready }, 'node is not ready');
        this.options.events?.record(
          { ...node, apiVersion: 'v1', kind: 'Node' },
          'Normal',
          'NodeNotReady',
          `Node ${name} status is now: NodeNotReady`,
        );
      }
      const zone = zoneKey(node);
      const z = zones.get(zone) ?? { ready: 0, notReady: 0, nodes: [] };
      zones.set(zone, z);
      z.nodes.push(node);
      if (ready === 'True') z.ready++;
      else z.notReady++;
      await this.reconcileTaints(node, zone);
    }
    this.health.retain(names);
    for (const name of this.lastReady.keys()) if (!names.has(name)) this.lastReady.delete(name);
    for (const zone of this.zoneStates.keys()) {
      if (!zones.has(zone)) {
        this.zoneStates.delete(zone);
        this.buckets.delete(zone);
        this.waiting.delete(zone);
      }
    }
    for (const [zone, z] of zones) this.zoneStates.set(zone, zoneState(z.ready, z.notReady, this.rates.unhealthyZoneThreshold));
    const allDisrupted = zones.size > 0 && [...this.zoneStates.values()].every((s) => s === 'FullDisruption');
    if (allDisrupted && !this.allDisrupted) {
      this.options.logger.warn('every zone is fully disrupted: stopping evictions and lifting NoExecute taints');
      this.waiting.clear();
      for (const z of zones.values())
        for (const node of z.nodes) await this.write(node, [], [NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE]);
    }
    this.allDisrupted = allDisrupted;
    for (const [zone, z] of zones) {
      const rate = allDisrupted ? 0 : zoneEvictionRate(this.zoneStates.get(zone) ?? 'Normal', z.nodes.length, this.rates);
      const bucket = this.buckets.get(zone);
      if (bucket === undefined) this.buckets.set(zone, new TokenBucket(rate, 1, nowMs));
      else if (bucket.rate !== rate) bucket.setRate(rate, nowMs);
    }
  }

  /** Sets the node's conditions Unknown when its heartbeats stopped; returns the node as it now is. */
  private async updateHealth(node: Node, nowMs: number): Promise<Node> {
    const name = node.metadata?.name ?? '';
    const probe = this.health.observe(node, this.options.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), nowMs);
    const reported = node.status?.conditions?.some((c) => c.type === 'Ready') ?? false;
    const grace = reported ? (this.options.gracePeriodMs ?? 40_000) : (this.options.startupGracePeriodMs ?? 60_000);
    if (nowMs <= probe + grace) return node;
    const conditions = unknownConditions(node, nowMs);
    if (conditions === undefined) return node;
    this.options.logger.info({ node: name, silentMs: nowMs - probe }, 'node stopped posting status; conditions set to Unknown');
    try {
      return await this.options.client.updateStatus<Node>(NODES, { ...node, status: { ...node.status, conditions } });
    } catch (err) {
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return node;
      throw err;
    }
  }

  /** Writes the NoSchedule taints and the immediate NoExecute changes; queues a NoExecute taint to add. */
  private async reconcileTaints(node: Node, zone: string): Promise<void> {
    const name = node.metadata?.name ?? '';
    const { want, managed } = noScheduleTaints(node);
    const add: Taint[] = want.filter((t) => !hasTaint(node, t.key, 'NoSchedule'));
    const remove: Taint[] = managed.filter((t) => !want.includes(t) && hasTaint(node, t.key, 'NoSchedule'));
    const noExecute = noExecuteTaint(node);
    if (noExecute === undefined) {
      this.waiting.get(zone)?.delete(name);
      remove.push(...[NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE].filter((t) => hasTaint(node, t.key, 'NoExecute')));
    } else if (hasTaint(node, noExecute.opposite.key, 'NoExecute')) {
      // From not-ready to unreachable or back: swapped at once, as upstream.
      add.push(noExecute.want);
      remove.push(noExecute.opposite);
    } else if (!hasTaint(node, noExecute.want.key, 'NoExecute') && !this.allDisrupted) {
      let queue = this.waiting.get(zone);
      if (queue === undefined) this.waiting.set(zone, (queue = new Set()));
      queue.add(name);
    }
    if (add.length > 0 || remove.length > 0) await this.write(node, add, remove);
  }

  /** Serves the zone queues: one NoExecute taint per token (upstream's doNoExecuteTaintingPass). */
  async addNoExecuteTaints(nowMs: number): Promise<void> {
    for (const [zone, queue] of this.waiting) {
      const bucket = this.buckets.get(zone);
      for (const name of [...queue]) {
        const node = this.options.nodes.get(name);
        const noExecute = node === undefined ? undefined : noExecuteTaint(node);
        if (node === undefined || noExecute === undefined || hasTaint(node, noExecute.want.key, 'NoExecute')) {
          queue.delete(name);
          continue;
        }
        if (bucket === undefined || !bucket.take(nowMs)) break;
        queue.delete(name);
        this.options.logger.info({ node: name, taint: noExecute.want.key }, 'tainting node NoExecute');
        if (!(await this.write(node, [noExecute.want], [noExecute.opposite]))) queue.add(name);
      }
    }
  }

  /** Swaps taints on node; false when the write failed (it is logged; the next pass tries again). */
  private async write(node: Node, add: Taint[], remove: Taint[]): Promise<boolean> {
    try {
      await swapNodeTaints(this.options.client, node, add, remove);
      return true;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404))
        this.options.logger.warn({ err, node: node.metadata?.name }, 'writing node taints failed');
      return false;
    }
  }
}
