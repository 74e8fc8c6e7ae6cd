/**
 * A fleet of hollow kubelets in one process (Kubernetes' kubemark / kwok
 * idea): N simulated nodes that register, heartbeat and run pods through
 * status transitions, with no containers, processes or cgroups. Contract:
 * - Nodes are `<prefix><i>` for i in [0, count). start() registers them with
 *   bounded concurrency (create, or refresh the status of one that exists),
 *   then follows pods, and resolves once every node has been tried and the
 *   pods informer has synced. A node whose registration failed is retried at
 *   its heartbeat slot.
 * - Heartbeats use a Lease per node when the apiserver's discovery lists
 *   coordination.k8s.io (unless `heartbeat` forces a method), else a Node
 *   status patch; they are spread evenly over the interval with bounded
 *   concurrency, and pass the fleet's other requests (registrations, pod
 *   writes) when the apiserver falls behind: all share one bound on requests
 *   in flight, heartbeats first (the apiserver has no priority and fairness yet). In Lease mode the Node status is also refreshed every
 *   `nodeStatusReportIntervalMs` (as the kubelet's nodeStatusReportFrequency).
 * - ONE pods informer serves the whole fleet: it lists and follows every bound
 *   pod (field selector `spec.nodeName!=`, one events-stream consumer over
 *   `skiff.ev.core.pods.*.*.*`) and dispatches by `spec.nodeName`; NATS cannot
 *   filter on a name prefix, and N consumers would cost N lists at start.
 * - stop() stops heartbeats and the informer, clears every timer and waits for
 *   writes in flight; Nodes and Leases stay in the API (as a stopped kubelet's do).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import { ApiError, NODES, PODS, type Node, type Pod } from '@skiff/api';
import { Informer, type ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import type { DelayRange } from './delay.js';
import { KeepAliveApi, type HollowApi } from './http-api.js';
import { leasesServed, type Heartbeat, type HeartbeatMethod, type HeartbeatTarget } from './heartbeat.js';
import { LeaseHeartbeat, NODE_LEASE_DURATION_SECONDS } from './lease-heartbeat.js';
import { limitedApi } from './limited-api.js';
import { Limiter } from './limiter.js';
import { HollowMetrics } from './metrics.js';
import { HOLLOW_NODE_DEFAULTS, hollowNode, hollowNodeAddress, type HollowNodeSpec } from './node-object.js';
import { NodeStatusHeartbeat } from './node-status-heartbeat.js';
import { HollowPods, type HollowPodPhase } from './pods.js';
import { SpreadTicker } from './spread.js';

export interface HollowFleetOptions {
  /** Discovery and the pods informer's lists. */
  client: ApiClient;
  /** Registration, heartbeats and pod writes (default: a KeepAliveApi to `client.server`, closed by stop()). */
  api?: HollowApi;
  nc: NatsConnection;
  logger: Logger;
  metrics: Registry;
  /** How many nodes. */
  count: number;
  /** Node name prefix (default `hollow-node-`). */
  prefix?: string;
  /** What each node offers (defaults: HOLLOW_NODE_DEFAULTS). */
  node?: Partial<HollowNodeSpec>;
  /** From binding to containers running (default 0–200 ms). */
  startDelay?: DelayRange;
  /** From running to ready (default 0). */
  readyDelay?: DelayRange;
  /** `auto` (default): Lease when the apiserver serves them, else node status. */
  heartbeat?: 'auto' | HeartbeatMethod;
  /** Heartbeat interval per node (default 10 s, the kubelet's lease renew interval and node status update frequency). */
  heartbeatIntervalMs?: number;
  /** Node status refresh in Lease mode (default 5 min). */
  nodeStatusReportIntervalMs?: number;
  leaseDurationSeconds?: number;
  /**
   * Bounds: `requests` API requests in flight in all (default 64), heartbeats first when they
   * compete; `heartbeat` heartbeats in flight (default 64); `registration` nodes registering at once (default 32).
   */
  concurrency?: { requests?: number; heartbeat?: number; registration?: number };
}

/** A snapshot of the fleet, for logs, tests and benchmarks. */
export interface HollowFleetStats {
  nodes: number;
  registered: number;
  heartbeat: HeartbeatMethod | undefined;
  registrationMs: number;
  maxHeartbeatAgeMs: number;
  heartbeatsSkipped: number;
  pods: Record<HollowPodPhase, number>;
  timers: number;
}

const REGISTRATION_ATTEMPTS = 3;

export class HollowFleet {
  readonly prefix: string;
  private readonly spec: HollowNodeSpec;
  /** Registration, node status reports and pod writes: low priority. */
  private readonly api: HollowApi;
  /** Heartbeats: high priority. */
  private readonly heartbeatApi: HollowApi;
  private readonly ownApi: KeepAliveApi | undefined;
  private readonly metrics: HollowMetrics;
  private readonly podsLifecycle: HollowPods;
  private readonly registered: Uint8Array;
  /** Date.now() of each node's last successful heartbeat (registration counts when it beats). */
  private readonly lastBeat: Float64Array;
  private readonly uids: Array<string | undefined>;
  private readonly index = new Map<string, number>();
  /** Registrations in flight, so the start-up loop and a heartbeat slot never register a node twice at once. */
  private readonly registering = new Map<number, Promise<void>>();
  private heartbeat: Heartbeat | undefined;
  private readonly tickers: SpreadTicker[] = [];
  private informer: Informer<Pod> | undefined;
  private registrationMs = 0;
  /** True while start() registers the fleet (heartbeat slots then leave unregistered nodes to it). */
  private registeringFleet = false;
  /** The start-up registration of every node (stop() waits for it). */
  private registration: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: HollowFleetOptions) {
    if (!Number.isInteger(options.count) || options.count < 0)
      throw new RangeError(`a fleet has a whole number of nodes, not ${options.count}`);
    this.prefix = options.prefix ?? 'hollow-node-';
    this.spec = { ...HOLLOW_NODE_DEFAULTS, ...options.node, labels: { ...options.node?.labels } };
    this.registered = new Uint8Array(options.count);
    this.lastBeat = new Float64Array(options.count);
    this.uids = new Array<string | undefined>(options.count);
    for (let i = 0; i < options.count; i++) this.index.set(this.nodeName(i), i);
    this.metrics = new HollowMetrics(options.metrics, {
      registeredNodes: () => this.registeredCount(),
      runningPods: () => this.podsLifecycle.runningCount(),
      maxHeartbeatAgeSeconds: () => this.maxHeartbeatAgeMs() / 1000,
    });
    const requests = new Limiter(options.concurrency?.requests ?? 64);
    let api = options.api;
    if (api === undefined) {
      this.ownApi = new KeepAliveApi({ server: options.client.server, maxSockets: requests.limit, ...options.client.credentials });
      api = this.ownApi;
    }
    this.api = limitedApi(api, requests, 'low');
    this.heartbeatApi = limitedApi(api, requests, 'high');
    this.podsLifecycle = new HollowPods({
      client: this.api,
      logger: options.logger,
      metrics: this.metrics,
      hostIP: (nodeName) => {
        const i = this.index.get(nodeName);
        return i === undefined ? undefined : hollowNodeAddress(i);
      },
      startDelay: options.startDelay ?? { minMs: 0, maxMs: 200 },
      readyDelay: options.readyDelay ?? { minMs: 0, maxMs: 0 },
    });
  }

  /** The name of node `index`. */
  nodeName(index: number): string {
    return `${this.prefix}${index}`;
  }

  get count(): number {
    return this.options.count;
  }

  /** The heartbeat method in use (known once start() chose it). */
  get heartbeatMethod(): HeartbeatMethod | undefined {
    return this.heartbeat?.method;
  }

  /** Registers every node, starts heartbeats and follows pods. */
  async start(): Promise<void> {
    const { client, logger } = this.options;
    const forced = this.options.heartbeat ?? 'auto';
    const method: HeartbeatMethod = forced !== 'auto' ? forced : (await leasesServed(client)) ? 'lease' : 'node-status';
    const heartbeat: Heartbeat =
      method === 'lease'
        ? new LeaseHeartbeat(this.heartbeatApi, this.options.leaseDurationSeconds ?? NODE_LEASE_DURATION_SECONDS)
        : new NodeStatusHeartbeat(this.heartbeatApi);
    this.heartbeat = heartbeat;
    const concurrency = this.options.concurrency ?? {};
    // Heartbeats run from the start: a node registered early beats at its slot while the others register.
    this.tickers.push(
      new SpreadTicker({
        count: this.count,
        intervalMs: this.options.heartbeatIntervalMs ?? 10_000,
        concurrency: concurrency.heartbeat ?? 64,
        run: (i) => this.beat(i),
        onSkip: () => this.metrics.heartbeatsSkipped.inc(),
        onError: (i, err) => logger.debug({ err, node: this.nodeName(i) }, 'hollow heartbeat failed'),
      }),
    );
    this.registeringFleet = true;
    this.tickers[0]?.start();
    const started = performance.now();
    const registrations = new Limiter(concurrency.registration ?? 32);
    this.registration = Promise.all(
      Array.from({ length: this.count }, (_, i) =>
        registrations
          .run(() => this.registerWithRetries(i))
          .catch((err: unknown) => {
            logger.warn({ err, node: this.nodeName(i) }, 'hollow node registration failed; retrying at its heartbeat');
          }),
      ),
    ).then(() => undefined);
    await this.registration;
    this.registeringFleet = false;
    this.registrationMs = performance.now() - started;
    this.metrics.registrationDuration.set(this.registrationMs / 1000);
    if (this.stopped) return;
    if (method === 'lease') {
      const report = new NodeStatusHeartbeat(this.api);
      this.tickers.push(
        new SpreadTicker({
          count: this.count,
          intervalMs: this.options.nodeStatusReportIntervalMs ?? 300_000,
          concurrency: 4,
          run: (i) => this.reportStatus(report, i),
          onError: (i, err) => logger.debug({ err, node: this.nodeName(i) }, 'hollow node status report failed'),
        }),
      );
      this.tickers[1]?.start();
    }
    this.informer = new Informer<Pod>({
      client,
      nc: this.options.nc,
      logger,
      desc: PODS,
      fieldSelector: 'spec.nodeName!=',
      handlers: {
        onAdd: (p) => this.podsLifecycle.observe(p),
        onUpdate: (_old, p) => this.podsLifecycle.observe(p),
        onDelete: (p) => this.podsLifecycle.forget(p),
      },
    });
    await this.informer.start();
    logger.info(
      { nodes: this.count, registered: this.registeredCount(), heartbeat: method, registrationMs: Math.round(this.registrationMs) },
      'hollow fleet started',
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.tickers.map((t) => t.stop()));
    await this.registration;
    await this.informer?.stop();
    await this.podsLifecycle.stop();
    this.ownApi?.close();
  }

  /** Age of the oldest newest-heartbeat across registered nodes (0 when none is registered). */
  maxHeartbeatAgeMs(now: number = Date.now()): number {
    let oldest = Infinity;
    for (let i = 0; i < this.count; i++) if (this.registered[i] === 1) oldest = Math.min(oldest, this.lastBeat[i] ?? now);
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  stats(): HollowFleetStats {
    return {
      nodes: this.count,
      registered: this.registeredCount(),
      heartbeat: this.heartbeat?.method,
      registrationMs: this.registrationMs,
      maxHeartbeatAgeMs: this.maxHeartbeatAgeMs(),
      heartbeatsSkipped: this.tickers[0]?.skipped ?? 0,
      pods: this.podsLifecycle.counts(),
      timers: this.tickers.reduce((n, t) => n + t.timerCount, 0) + this.podsLifecycle.timerCount,
    };
  }

  private registeredCount(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) n += this.registered[i] ?? 0;
    return n;
  }

  private target(i: number): HeartbeatTarget {
    return { name: this.nodeName(i), index: i, uid: this.uids[i] };
  }

  private async registerWithRetries(i: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.registered[i] === 1 || this.stopped) return;
      try {
        await this.register(i);
        return;
      } catch (err) {
        if (attempt >= REGISTRATION_ATTEMPTS || this.stopped) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  /** Registers node i, joining a registration already in flight. */
  private register(i: number): Promise<void> {
    let running = this.registering.get(i);
    if (running === undefined) {
      running = this.registerOnce(i).finally(() => this.registering.delete(i));
      this.registering.set(i, running);
    }
    return running;
  }

  /** Creates node i, or refreshes the status of the one that exists; then its first heartbeat when that is a separate object. */
  private async registerOnce(i: number): Promise<void> {
    const name = this.nodeName(i);
    const node = hollowNode(name, i, this.spec);
    let stored: Node;
    try {
      stored = await this.api.create(NODES, '', node);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      stored = await this.api.patch<Node>(NODES, '', name, { status: node.status }, 'strategic', 'status');
    }
    this.uids[i] = stored.metadata?.uid;
    const heartbeat = this.heartbeat;
    if (heartbeat !== undefined && !heartbeat.registrationBeats) await this.timed(heartbeat, i);
    else this.noteBeat(i, heartbeat?.method);
    this.registered[i] = 1;
  }

  /** One heartbeat of node i (a registration when it is not registered). */
  private async beat(i: number): Promise<void> {
    const heartbeat = this.heartbeat;
    if (heartbeat === undefined) return;
    if (this.registered[i] !== 1) {
      if (!this.registeringFleet) await this.register(i);
      return;
    }
    if ((await this.timed(heartbeat, i)) === 'node-missing') {
      this.registered[i] = 0;
      await this.register(i);
    }
  }

  private async timed(heartbeat: Heartbeat, i: number): Promise<'ok' | 'node-missing'> {
    const started = performance.now();
    try {
      const result = await heartbeat.renew(this.target(i));
      this.metrics.observeHeartbeat(heartbeat.method, (performance.now() - started) / 1000, true);
      if (result === 'ok') this.noteBeat(i, heartbeat.method);
      return result;
    } catch (err) {
      this.metrics.observeHeartbeat(heartbeat.method, (performance.now() - started) / 1000, false);
      throw err;
    }
  }

  private noteBeat(i: number, method: HeartbeatMethod | undefined): void {
    const now = Date.now();
    const last = this.lastBeat[i] ?? 0;
    if (last > 0 && method !== undefined) this.metrics.heartbeatGap.observe({ method }, (now - last) / 1000);
    this.lastBeat[i] = now;
  }

  private async reportStatus(report: NodeStatusHeartbeat, i: number): Promise<void> {
    if (this.registered[i] !== 1) return;
    if ((await report.renew(this.target(i))) === 'node-missing') {
      this.registered[i] = 0;
      await this.register(i);
    }
  }
}
