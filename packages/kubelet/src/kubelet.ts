/**
 * The kubelet: registers its Node, heartbeats, follows the pods bound to it
 * (the informer asks NATS only for this node's subject), and drives each pod
 * toward its spec with one serialized worker per pod: place the pod in the
 * kubepods cgroup tree, run its init containers in order
 * (lifecycle/init-containers.ts), start containers (postStart hooks), restart
 * them by restartPolicy with CrashLoopBackOff, report status, and on deletion
 * run preStop hooks and stop them (SIGTERM, grace, SIGKILL), remove their
 * cgroups and delete the pod with grace 0.
 *
 * A kubelet restart keeps containers running: the runtime recovers them from
 * its state directory and the workers adopt them, so nothing starts twice.
 */
import type { Server } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { context, trace, type SpanContext } from '@opentelemetry/api';
import {
  ApiError,
  bytes,
  milliCpu,
  LIFECYCLE_PHASES,
  milestoneAnnotation,
  milestoneTime,
  NODES,
  nowTimestamp,
  PODS,
  podMilestones,
  type Container,
  type Node,
  type Pod,
  type PodStatus,
} from '@skiff/api';
import { ApiClient, EventRecorder, Informer } from '@skiff/client';
import { contextOfObject, lifecyclePhaseHistogram, tracer, type FastHistogram, type Logger } from '@skiff/telemetry';
import { containerConfig, ContainerConfigError } from './container-config.js';
import { allocatable, buildNode, type NodeFacts } from './node-status.js';
import { computePodStatus, stableJson, statusChanged, type ContainerView, type InitView } from './pod-status.js';
import type { ContainerConfig, ContainerRuntime, ContainerState, ContainerSummary } from './runtime/index.js';
import { ImagePullError } from './runtime/types.js';
import { createKubeletServer } from './server.js';
import type { StatsCollector } from './stats/summary.js';
import { ProberManager, proberMetrics, type ProbePollerKind, type ProbeType } from './probes/index.js';
import { LeaseHeartbeat } from './hollow/lease-heartbeat.js';
import { nativeCgroupStatsAvailable } from './stats/native-reader.js';
import { DEFAULT_PATH } from './runtime/process-runtime.js';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, isMirrorPod, mirrorPodFor, StaticPodSource } from './static-pods/index.js';
import {
  DEFAULT_EVICTION_HARD,
  EvictionManager,
  evictedPodStatus,
  isEvicted,
  observeSignals,
  parseEvictionThresholds,
  type EvictionThreshold,
  type PodUsage,
} from './eviction/index.js';
import { VolumeError, VolumeManager } from './volumes/index.js';
import type { CgroupManager } from './cgroups/index.js';
import { ensurePodCgroup } from './cgroups/pod-tree.js';
import { graceLeftAfterHook, runLifecycleHook, type LifecycleHandler } from './lifecycle/hooks.js';
import { isSidecar, planInitContainers, type InitContainerFacts } from './lifecycle/init-containers.js';
import type { ProbeTarget } from './probes/probe-spec.js';
import { resourceMetricsRegistry } from './metrics/resource-metrics.js';

/** How long a postStart hook may run before it counts as failed. */
const POST_START_TIMEOUT_MS = 30_000;

export interface KubeletOptions {
  client: ApiClient;
  nc: NatsConnection;
  runtime: ContainerRuntime;
  logger: Logger;
  metrics: Registry;
  node: Omit<NodeFacts, 'kubeletPort'>;
  /** Port for the kubelet's HTTP server (0: any free port). */
  port: number;
  host?: string;
  /** Per-container cpu and memory for /stats/summary. */
  stats?: StatsCollector;
  /** Stop and remove every container when the kubelet stops (skiff up); a plain kubelet leaves them running. */
  stopPodsOnExit?: boolean;
  /** Lease renewal and node status check interval (upstream: 10 s). */
  heartbeatIntervalMs?: number;
  /** Node status is posted when it changes and at least this often (upstream's nodeStatusReportFrequency: 5 min). */
  nodeStatusReportMs?: number;
  resyncIntervalMs?: number;
  /** Which probe poller runs probes: the native one (default) or its TypeScript twin. */
  probePoller?: ProbePollerKind;
  /** Where pod volumes live (default `<node.dataDir>/volumes`). */
  volumeDir?: string;
  /** How long a configMap or secret a volume projects is reused before it is fetched again (default 5 s). */
  volumeObjectTtlMs?: number;
  /** Node-pressure eviction; defaults to upstream's hard thresholds, a 10 s round and a 5 min transition period. */
  eviction?: KubeletEvictionOptions;
  /** The directory of static pod manifests (`--pod-manifest-path`); none when unset. */
  staticPodPath?: string;
  /** How often the manifest directory is read besides change notifications (upstream: 20 s). */
  staticPodCheckIntervalMs?: number;
  /**
   * The runtime's cgroup manager: when given, each pod gets its cgroup in the kubepods QoS tree with
   * pod-level limits (cgroups/pod-tree.ts) before its first container starts.
   */
  cgroups?: CgroupManager;
  /** pids.max of each pod cgroup (upstream's --pod-max-pids; absent or ≤ 0: unlimited). */
  podMaxPids?: number;
}

export interface KubeletEvictionOptions {
  /** Hard thresholds (`--eviction-hard`); empty turns eviction off. */
  thresholds?: readonly EvictionThreshold[];
  /** How often signals are observed (upstream's housekeeping interval: 10 s). */
  housekeepingIntervalMs?: number;
  /** How long a pressure condition stays True after its threshold stops being met (upstream: 5 min). */
  pressureTransitionPeriodMs?: number;
}

const kubeletTracer = tracer('kubelet');
const BACKOFF_INITIAL_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_AFTER_MS = 600_000;

function attemptOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('_') + 1));
}

function podUidOf(id: string): string {
  return id.slice(0, id.indexOf('_'));
}

/** How long stop() waits for pod workers' running syncs before tearing down regardless. */
const WORKER_STOP_WAIT_MS = 5000;

export class Kubelet {
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  /** Latest pod object by uid (from the informer). */
  private readonly byUid = new Map<string, Pod>();
  private readonly workers = new Map<string, { running: Promise<void>; again: boolean }>();
  private readonly backoff = new Map<string, { until: number; delayMs: number }>();
  /** Image pull back-off per `<uid>/<container>` (ImagePullBackOff), doubling as the restart back-off does. */
  private readonly imageBackoff = new Map<string, { until: number; delayMs: number }>();
  private readonly startTimes = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | undefined;
  private port = 0;
  private node: Node | undefined;
  private stopped = false;
  private readonly runningPods: Gauge;
  private readonly workerDuration: Histogram;
  private readonly startSli: Histogram;
  private readonly phases: FastHistogram<'phase'>;
  /** When this kubelet first saw each pod (the `accepted` milestone). */
  private readonly acceptedAt = new Map<string, number>();
  /** Per pod uid, the informer's delivery span of the latest event not yet synced: the next syncPod links to it. */
  private readonly deliveredBy = new Map<string, SpanContext>();
  private readonly prober: ProberManager;
  private readonly probeMetrics = proberMetrics();
  private readonly lease: LeaseHeartbeat;
  /** The node status last posted (without heartbeat times) and when. */
  private lastNodeStatus = { key: '', at: 0 };
  private readonly eviction: EvictionManager;
  /** Pods evicted by this kubelet whose Failed status may not be posted yet: uid → message. */
  private readonly evicted = new Map<string, string>();
  /** Static pods from the manifest directory, and the API's mirror pods by `namespace/name`. */
  private staticPods: StaticPodSource | undefined;
  private readonly mirrors = new Map<string, Pod>();
  private readonly volumes: VolumeManager;

  constructor(private readonly options: KubeletOptions) {
    const { client, nc, logger } = options;
    this.recorder = new EventRecorder(client, 'kubelet', logger, options.node.name);
    this.pods = new Informer<Pod>({
      client,
      nc,
      logger,
      desc: PODS,
      nodeName: options.node.name,
      handlers: {
        onAdd: (p) => this.observe(p),
        onUpdate: (_o, p) => this.observe(p),
        onDelete: (p) => {
          if (isMirrorPod(p)) {
            this.forgetMirror(p);
            return;
          }
          const uid = p.metadata?.uid ?? '';
          this.byUid.delete(uid);
          this.acceptedAt.delete(uid);
          this.enqueue(uid);
        },
      },
    });
    this.runningPods = new Gauge({
      name: 'kubelet_running_pods',
      help: 'Number of pods that have a running pod sandbox',
      registers: [options.metrics],
      collect: () => {
        const uids = new Set(
          this.options.runtime
            .listContainers()
            .filter((c) => c.state.state === 'running')
            .map((c) => c.config.podUid),
        );
        this.runningPods.set(uids.size);
      },
    });
    this.workerDuration = new Histogram({
      name: 'kubelet_pod_worker_duration_seconds',
      help: 'Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync',
      labelNames: ['operation_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [options.metrics],
    });
    this.startSli = new Histogram({
      name: 'kubelet_pod_start_sli_duration_seconds',
      help: 'Duration in seconds to start a pod, excluding time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch',
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120],
      registers: [options.metrics],
    });
    this.phases = lifecyclePhaseHistogram(options.metrics);
    this.lease = new LeaseHeartbeat(client);
    this.prober = new ProberManager({
      poller: options.probePoller ?? (nativeCgroupStatsAvailable() ? 'native' : 'ts'),
      metrics: this.probeMetrics,
      logger,
      events: {
        onChange: (uid) => this.enqueue(uid),
        onUnhealthy: (pod, _name, type, output) => this.recorder.record(pod, 'Warning', 'Unhealthy', `${type} probe failed: ${output}`),
        onRestartNeeded: (pod, name, id, type) => void this.killUnhealthy(pod, name, id, type),
      },
    });
    options.runtime.onExit((id) => this.enqueue(podUidOf(id)));
    this.eviction = new EvictionManager({
      thresholds: options.eviction?.thresholds ?? parseEvictionThresholds(DEFAULT_EVICTION_HARD),
      pressureTransitionPeriodMs: options.eviction?.pressureTransitionPeriodMs ?? 300_000,
      observe: () => {
        const usage = this.podUsage();
        const allocatableMemory = bytes(allocatable(this.facts())['memory'] ?? '0');
        return observeSignals(
          options.node.dataDir,
          usage.reduce((sum, u) => sum + u.workingSetBytes, 0),
          allocatableMemory,
        );
      },
      pods: () => this.podUsage().filter((u) => !this.evicted.has(u.pod.metadata?.uid ?? '')),
      evict: (pod, message) => this.evict(pod, message),
      onPressureChange: () => void this.heartbeat(true).catch((err: unknown) => logger.warn({ err }, 'posting node pressure failed')),
    });
    this.volumes = new VolumeManager({
      rootDir: options.volumeDir ?? `${options.node.dataDir}/volumes`,
      client,
      logger,
      allocatable: () => {
        const a = allocatable(this.facts());
        return { milliCpu: milliCpu(a['cpu'] ?? '0'), memoryBytes: bytes(a['memory'] ?? '0') };
      },
      objectTtlMs: options.volumeObjectTtlMs,
    });
  }

  get nodeName(): string {
    return this.options.node.name;
  }

  get kubeletPort(): number {
    return this.port;
  }

  /** Serves HTTP, registers the node, syncs the pods informer, adopts or removes what the runtime holds. */
  async start(): Promise<void> {
    // Containers adopted from a kubelet that died mid-kill must not stay frozen.
    this.options.cgroups?.thawAll();
    this.server = createKubeletServer({
      runtime: this.options.runtime,
      findPod: (ns, name) => this.staticPodNamed(`${ns}/${name}`) ?? this.pods.get(`${ns}/${name}`),
      metrics: this.options.metrics,
      logger: this.options.logger,
      stats: this.options.stats,
      nodeName: this.nodeName,
      listPods: () => this.pods.list(),
      probeMetrics: this.probeMetrics.registry,
      resourceMetrics: resourceMetricsRegistry({
        pods: () => this.options.stats?.summary(this.nodeName, this.options.runtime.listContainers(), this.pods.list()).pods,
      }),
    });
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(`port ${this.options.port} on ${host} is already in use (kubelet): pick another with --port`)
            : err,
        ),
      );
      this.server?.listen(this.options.port, host, () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : this.options.port;
    await this.registerNode();
    await this.renewLease();
    this.every(this.options.heartbeatIntervalMs ?? 10_000, async () => {
      await this.renewLease();
      await this.heartbeat();
    });
    this.startStaticPods();
    await this.pods.start();
    // Containers of pods the API no longer has (deleted while we were away) are removed.
    for (const c of this.options.runtime.listContainers()) if (!this.byUid.has(c.config.podUid)) this.enqueue(c.config.podUid);
    // Volumes of pods that are gone and have no containers left (those with containers go with their teardown).
    const inUse = new Set([...this.byUid.keys(), ...this.options.runtime.listContainers().map((c) => c.config.podUid)]);
    this.volumes.cleanupOrphans(inUse);
    this.every(this.options.resyncIntervalMs ?? 10_000, () => {
      for (const uid of this.byUid.keys()) this.enqueue(uid);
    });
    if ((this.options.eviction?.thresholds ?? [null]).length > 0) {
      this.every(this.options.eviction?.housekeepingIntervalMs ?? 10_000, () => this.eviction.synchronize());
    }
    this.options.logger.info({ node: this.nodeName, port: this.port, pods: this.byUid.size }, 'kubelet started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.staticPods?.stop();
    for (const t of this.timers) clearInterval(t);
    await this.pods.stop();
    await this.waitForWorkers(WORKER_STOP_WAIT_MS);
    await this.prober.close();
    if (this.options.stopPodsOnExit === true) {
      // Pods with containers, and pods whose volumes are set up but whose containers never started.
      const uids = new Set([...this.options.runtime.listContainers().map((c) => c.config.podUid), ...this.volumes.podUids()]);
      await Promise.allSettled([...uids].map((uid) => this.teardown(uid, 5)));
    }
    await this.options.runtime.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  /**
   * Waits for the pod workers' current syncs, at most `ms` (a sync may be inside a long grace period):
   * the stop must stay within what a supervisor allows (skiff up: 20 s), and the teardown that follows
   * stops those pods' containers anyway. Logs the pods whose workers were still busy.
   */
  private async waitForWorkers(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    const done = Promise.allSettled([...this.workers.values()].map((w) => w.running)).then(() => 'done' as const);
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.options.logger.warn({ pods: [...this.workers.keys()], waitedMs: ms }, 'pod workers still busy at stop');
  }

  private every(ms: number, fn: () => unknown): void {
    const t = setInterval(() => {
      void Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.options.logger.warn({ err }, 'periodic kubelet task failed'));
    }, ms);
    this.timers.add(t);
  }

  private facts(): NodeFacts {
    return { ...this.options.node, kubeletPort: this.port };
  }

  private async registerNode(): Promise<void> {
    const existing = await this.options.client.getOrUndefined<Node>(NODES, '', this.nodeName);
    if (existing === undefined) {
      try {
        this.node = await this.options.client.create(NODES, '', buildNode(this.facts()));
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      }
    }
    await this.heartbeat();
  }

  /** Renews the node's Lease in kube-node-lease (created, owned by the Node, when missing). */
  private async renewLease(): Promise<void> {
    await this.lease.renew({ name: this.nodeName, index: 0, uid: this.node?.metadata?.uid });
  }

  /**
   * Posts the node's status (conditions with a fresh heartbeat, capacity, endpoint) when it changed since
   * the last post, or when nodeStatusReportMs has passed: the Lease is the frequent heartbeat.
   */
  private async heartbeat(force = false): Promise<void> {
    const next = buildNode(this.facts(), this.node, this.eviction.conditions());
    const key = stableJson({ ...next.status, conditions: next.status?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
    const due = Date.now() - this.lastNodeStatus.at >= (this.options.nodeStatusReportMs ?? 300_000);
    if (!force && !due && key === this.lastNodeStatus.key && this.node !== undefined) return;
    const current = await this.options.client.getOrUndefined<Node>(NODES, '', this.nodeName);
    if (current === undefined) {
      this.node = await this.options.client.create(NODES, '', buildNode(this.facts()));
    } else {
      this.node = await this.options.client.updateStatus(NODES, {
        ...current,
        status: buildNode(this.facts(), current, this.eviction.conditions()).status,
      });
    }
    this.lastNodeStatus = { key, at: Date.now() };
  }

  /** A liveness or startup probe failed for good: kill the container (restartPolicy decides what follows). */
  private async killUnhealthy(pod: Pod, name: string, id: string, type: ProbeType): Promise<void> {
    if (this.options.runtime.containerState(id)?.state !== 'running') return;
    const how = type === 'Liveness' ? 'liveness' : 'startup';
    this.recorder.record(pod, 'Normal', 'Killing', `Container ${name} failed ${how} probe, will be restarted`);
    try {
      await this.stopWithPreStop(id, name, pod.spec?.terminationGracePeriodSeconds ?? 30, pod);
    } catch (err) {
      this.options.logger.warn({ err, id }, 'killing an unhealthy container failed');
    }
    this.enqueue(pod.metadata?.uid ?? '');
  }

  private observe(pod: Pod): void {
    if (isMirrorPod(pod)) {
      this.observeMirror(pod);
      return;
    }
    const uid = pod.metadata?.uid ?? '';
    if (!this.acceptedAt.has(uid)) this.acceptedAt.set(uid, Date.now());
    const delivery = trace.getSpanContext(context.active());
    if (delivery !== undefined) this.deliveredBy.set(uid, delivery);
    this.byUid.set(uid, pod);
    this.enqueue(uid);
  }

  /** Runs the pod's worker; a request while it runs makes it run once more afterwards. */
  private enqueue(uid: string): void {
    if (this.stopped || uid === '') return;
    const w = this.workers.get(uid);
    if (w !== undefined) {
      w.again = true;
      return;
    }
    const entry = { running: Promise.resolve(), again: false };
    this.workers.set(uid, entry);
    entry.running = (async () => {
      do {
        entry.again = false;
        const started = performance.now();
        try {
          await this.syncPod(uid);
        } catch (err) {
          this.options.logger.warn({ err, uid }, 'pod sync failed');
          this.later(uid, 1000);
        }
        this.workerDuration.observe({ operation_type: 'sync' }, (performance.now() - started) / 1000);
      } while (entry.again && !this.stopped);
      this.workers.delete(uid);
    })();
  }

  private later(uid: string, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(uid);
    }, ms);
    this.timers.add(t);
  }

  /** Containers of a pod in the runtime, latest attempt last, grouped by name. */
  private containersOf(uid: string): Map<string, ContainerSummary[]> {
    const out = new Map<string, ContainerSummary[]>();
    for (const c of this.options.runtime.listContainers()) {
      if (c.config.podUid !== uid) continue;
      const list = out.get(c.config.containerName) ?? [];
      list.push(c);
      out.set(c.config.containerName, list);
    }
    for (const list of out.values()) list.sort((a, b) => attemptOf(a.id) - attemptOf(b.id));
    return out;
  }

  private async syncPod(uid: string): Promise<void> {
    // The watch delivery that caused this sync is not its caller: a link, as for every asynchronous hand-off.
    const delivery = this.deliveredBy.get(uid);
    this.deliveredBy.delete(uid);
    const pod = this.byUid.get(uid);
    if (pod === undefined) {
      await this.teardown(uid, 2);
      return;
    }
    if (pod.metadata?.deletionTimestamp !== undefined) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.teardown(uid, grace, pod);
      try {
        await this.options.client.delete(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', { gracePeriodSeconds: 0, uid });
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
      return;
    }
    const eviction = this.evicted.get(uid);
    if (eviction !== undefined || isEvicted(pod)) {
      await this.finishEviction(pod, eviction);
      return;
    }
    const isNew = !this.startTimes.has(uid) && this.containersOf(uid).size === 0;
    if (isNew && pod.status?.qosClass === 'BestEffort' && this.eviction.conditions().has('MemoryPressure')) {
      // Upstream's eviction admission: no new BestEffort pod on a node short of memory.
      this.evicted.set(uid, 'The node was low on resource: [MemoryPressure]. ');
      await this.finishEviction(pod, this.evicted.get(uid));
      return;
    }
    const span = kubeletTracer.startSpan(
      'syncPod',
      {
        links: delivery === undefined ? [] : [{ context: delivery, attributes: { 'skiff.link': 'watch delivery' } }],
        attributes: {
          'k8s.pod.name': pod.metadata?.name ?? '',
          'k8s.pod.uid': uid,
          'k8s.namespace.name': pod.metadata?.namespace ?? '',
          'k8s.node.name': this.nodeName,
        },
      },
      contextOfObject(pod),
    );
    try {
      const { views, init } = await context.with(trace.setSpan(contextOfObject(pod), span), () => this.syncContainers(pod));
      // Status goes to the API's object: the pod itself, or a static pod's mirror (none yet: its creation syncs again).
      const api = await this.apiObjectOf(pod);
      if (api === undefined) return;
      const startTime = this.startTimes.get(uid) ?? api.status?.startTime ?? nowTimestamp();
      this.startTimes.set(uid, startTime);
      const status = computePodStatus({ ...pod, status: api.status }, views, this.options.node.address, startTime, init);
      const milestones = this.milestonesToRecord(api, views, status);
      if (statusChanged(api.status, status) || Object.keys(milestones).length > 0) {
        const apiUid = api.metadata?.uid ?? '';
        const metadata = Object.keys(milestones).length > 0 ? { uid: apiUid, annotations: milestones } : { uid: apiUid };
        try {
          await context.with(trace.setSpan(contextOfObject(pod), span), () =>
            this.options.client.patch(
              PODS,
              api.metadata?.namespace ?? '',
              api.metadata?.name ?? '',
              { metadata, status },
              'merge',
              'status',
            ),
          );
          this.observePhases(api, milestones);
          if (milestones[milestoneAnnotation('ready')] !== undefined) span.addEvent('pod ready');
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
        }
        if (status.phase === 'Running' && api.status?.phase !== 'Running' && api.metadata?.creationTimestamp !== undefined) {
          this.startSli.observe((Date.now() - Date.parse(String(api.metadata.creationTimestamp))) / 1000);
        }
      }
      if (isNew) this.recorder.record(api, 'Normal', 'Started', `Started pod ${api.metadata?.name ?? ''} on ${this.nodeName}`);
    } finally {
      span.end();
    }
  }

  /** Lifecycle milestones this sync reached that the pod does not carry yet (accepted, started, ready). */
  private milestonesToRecord(pod: Pod, views: ContainerView[], status: PodStatus): Record<string, string> {
    const have = pod.metadata?.annotations ?? {};
    const out: Record<string, string> = {};
    const uid = pod.metadata?.uid ?? '';
    if (have[milestoneAnnotation('accepted')] === undefined)
      out[milestoneAnnotation('accepted')] = milestoneTime(this.acceptedAt.get(uid) ?? Date.now());
    const allStarted = views.length > 0 && views.every((v) => v.state !== undefined);
    if (allStarted && have[milestoneAnnotation('started')] === undefined) {
      const latest = Math.max(...views.map((v) => v.state?.startedAt.getTime() ?? 0));
      out[milestoneAnnotation('started')] = milestoneTime(latest);
    }
    const ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (ready && have[milestoneAnnotation('ready')] === undefined) out[milestoneAnnotation('ready')] = milestoneTime();
    return out;
  }

  /** Observes the lifecycle phases that end with the milestones just recorded. */
  private observePhases(pod: Pod, recorded: Record<string, string>): void {
    const all = podMilestones({ ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...recorded } } });
    for (const p of LIFECYCLE_PHASES) {
      if (recorded[milestoneAnnotation(p.to)] === undefined) continue;
      const from = all[p.from];
      const to = all[p.to];
      if (from !== undefined && to !== undefined) this.phases.observe({ phase: p.phase }, Math.max(0, to - from) / 1000);
    }
  }

  /**
   * Runs the init containers in order (lifecycle/init-containers.ts), then starts or restarts the app
   * containers as the spec and restartPolicy say; returns what each one is doing.
   */
  private async syncContainers(pod: Pod): Promise<{ views: ContainerView[]; init: InitView | undefined }> {
    const uid = pod.metadata?.uid ?? '';
    const existing = this.containersOf(uid);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (!terminal) await this.volumes.setUpPod(pod).catch((err: unknown) => this.noteVolumeError(pod, err));
    const init = await this.syncInitContainers(pod, existing, terminal);
    const views: ContainerView[] = [];
    for (const container of pod.spec?.containers ?? []) {
      const attempts = existing.get(container.name) ?? [];
      const latest = attempts[attempts.length - 1];
      const view = containerViewOf(container, attempts);
      if (init !== undefined && !init.initialized && latest === undefined) {
        view.waiting = { reason: 'PodInitializing' };
        views.push(view);
        continue;
      }
      const mayStart =
        latest === undefined ? !terminal : latest.state.state === 'exited' && !terminal && shouldRestart(policy, latest.state);
      if (mayStart) await this.startWithBackoff(pod, container, view, latest);
      this.syncProbes(pod, container, view);
      views.push(view);
    }
    return { views, init };
  }

  /** The init container step of a sync: starts the one the plan names; undefined for a pod without init containers. */
  private async syncInitContainers(pod: Pod, existing: Map<string, ContainerSummary[]>, terminal: boolean): Promise<InitView | undefined> {
    const specs = pod.spec?.initContainers ?? [];
    if (specs.length === 0) return undefined;
    const views = new Map<string, ContainerView>();
    const facts = new Map<string, InitContainerFacts>();
    for (const container of specs) {
      const view = containerViewOf(container, existing.get(container.name) ?? []);
      if (isSidecar(container)) this.syncProbes(pod, container, view);
      views.set(container.name, view);
      facts.set(container.name, { state: view.state, ...(view.started === undefined ? {} : { started: view.started }) });
    }
    const appStarted = (pod.spec?.containers ?? []).some((c) => (existing.get(c.name)?.length ?? 0) > 0);
    const plan = planInitContainers(pod, facts, appStarted);
    const toStart = plan.kind === 'run' ? [plan.name] : plan.kind === 'initialized' ? plan.restartSidecars : [];
    for (const name of terminal ? [] : toStart) {
      const container = specs.find((c) => c.name === name) as Container;
      const view = views.get(name) as ContainerView;
      const attempts = existing.get(name) ?? [];
      await this.startWithBackoff(pod, container, view, attempts[attempts.length - 1]);
      if (isSidecar(container)) this.syncProbes(pod, container, view);
    }
    // Init containers the sequence has not reached wait as upstream reports them.
    for (const v of views.values()) if (v.state === undefined && v.waiting === undefined) v.waiting = { reason: 'PodInitializing' };
    return {
      views: [...views.values()],
      initialized: plan.kind === 'initialized',
      failed: plan.kind === 'failed',
      sidecars: new Set(specs.filter(isSidecar).map((c) => c.name)),
    };
  }

  /**
   * Starts a container (or restarts it once its CrashLoopBackOff delay is over; until then the view waits
   * with that reason), runs its postStart hook, and fills the view in.
   */
  private async startWithBackoff(pod: Pod, container: Container, view: ContainerView, latest: ContainerSummary | undefined): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const backoffKey = `${uid}/${container.name}`;
    const wait = this.backoff.get(backoffKey);
    if (latest !== undefined && wait !== undefined && Date.now() < wait.until) {
      view.waiting = {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(wait.delayMs / 1000)}s restarting failed container=${container.name} pod=${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${uid})`,
      };
      this.later(uid, wait.until - Date.now() + 10);
      return;
    }
    const pullWait = this.imageBackoff.get(backoffKey);
    if (pullWait !== undefined && Date.now() < pullWait.until) {
      view.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image ?? ''}"` };
      this.later(uid, pullWait.until - Date.now() + 10);
      return;
    }
    try {
      if (this.options.cgroups !== undefined)
        ensurePodCgroup(this.options.cgroups, pod, this.options.podMaxPids, this.options.runtime.helperProcessesPerContainer);
      const startSpan = kubeletTracer.startSpan('container start', {
        attributes: { 'k8s.container.name': container.name, 'k8s.pod.uid': uid },
      });
      const id = await context
        .with(trace.setSpan(context.active(), startSpan), () => this.options.runtime.startContainer(this.configWithVolumes(pod, container)))
        .finally(() => startSpan.end());
      if (latest !== undefined) this.noteRestart(backoffKey, latest.state);
      this.imageBackoff.delete(backoffKey);
      view.id = id;
      view.previous = latest?.state;
      view.state = this.options.runtime.containerState(id);
      view.restartCount = attemptOf(id);
      view.waiting = undefined;
      const postStart = container.lifecycle?.postStart;
      if (postStart !== undefined) await this.runPostStart(pod, container, id, postStart);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof VolumeError) {
        // The volume's FailedMount event was recorded by setUpPod's caller; retry soon.
        view.waiting = { reason: 'ContainerCreating', message };
        this.later(uid, 2000);
        return;
      }
      if (err instanceof ImagePullError) {
        const delayMs = Math.min((pullWait?.delayMs ?? BACKOFF_INITIAL_MS / 2) * 2, BACKOFF_MAX_MS);
        this.imageBackoff.set(backoffKey, { until: Date.now() + delayMs, delayMs });
        view.waiting = { reason: 'ErrImagePull', message };
        this.recorder.record(pod, 'Warning', 'Failed', `Failed to pull image "${container.image ?? ''}": ${message}`);
        this.later(uid, delayMs + 10);
        return;
      }
      view.waiting = { reason: err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'RunContainerError', message };
      this.recorder.record(pod, 'Warning', 'Failed', `Error: ${message}`);
      this.later(uid, 10_000);
    }
  }

  /** Runs a postStart hook; when it fails the container is killed (restartPolicy decides what follows), as upstream does. */
  private async runPostStart(pod: Pod, container: Container, id: string, handler: LifecycleHandler): Promise<void> {
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    const outcome = await runLifecycleHook(handler, this.hookTarget(pod, container, id), POST_START_TIMEOUT_MS);
    if (outcome.ok) return;
    this.recorder.record(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${outcome.message}`);
    await this.options.runtime.stopContainer(id, grace);
  }

  /** What a probe or hook of a container needs: the pod IP, the container's env, cgroup and named ports. */
  private hookTarget(pod: Pod, container: Container, id: string): ProbeTarget {
    let env: Record<string, string> = {};
    try {
      env = containerConfig(pod, container).env;
    } catch {
      // a config error never reaches a running container
    }
    const ports: Record<string, number> = {};
    for (const p of container.ports ?? []) if (p.name !== undefined) ports[p.name] = p.containerPort;
    return {
      podIP: this.options.node.address,
      env: { PATH: DEFAULT_PATH, HOSTNAME: pod.metadata?.name ?? '', ...env },
      cgroupProcs: this.options.runtime.cgroupProcsFiles(id),
      execPrefix: this.options.runtime.execPrefix(id),
      ports,
    };
  }

  /** The container's runtime config with its volume mounts and the pod's hostname (throws VolumeError when a volume is not ready). */
  private configWithVolumes(pod: Pod, container: Container): ContainerConfig {
    const config = containerConfig(pod, container);
    return {
      ...config,
      mounts: this.volumes.mountsFor(pod, container, config.env),
      hostname: pod.spec?.hostname ?? pod.metadata?.name ?? '',
    };
  }

  /** A volume that could not be set up: a FailedMount event (the containers that need it wait). */
  private noteVolumeError(pod: Pod, err: unknown): void {
    this.recorder.record(pod, 'Warning', 'FailedMount', err instanceof Error ? err.message : String(err));
  }

  /** Probes a running container and fills in its readiness; a container that is not running is not probed. */
  private syncProbes(pod: Pod, container: Container, view: ContainerView): void {
    const uid = pod.metadata?.uid ?? '';
    if (view.state?.state !== 'running' || view.id === undefined || view.waiting !== undefined) {
      this.prober.forget(uid, container.name);
      return;
    }
    this.prober.ensure(pod, container, view.id, view.state.startedAt, this.hookTarget(pod, container, view.id));
    view.ready = this.prober.isReady(uid, container, view.id);
    view.started = this.prober.isStarted(uid, container, view.id);
  }

  /**
   * Records a restart for CrashLoopBackOff, as upstream's backoff does: the next
   * restart may happen no sooner than `delay` after this one; the delay starts at
   * 10 s, doubles per restart up to 5 min, and resets after 10 min of running.
   */
  private noteRestart(key: string, lastRun: ContainerState): void {
    const ran = lastRun.state === 'exited' ? lastRun.finishedAt.getTime() - lastRun.startedAt.getTime() : 0;
    const prev = this.backoff.get(key);
    const delayMs = prev === undefined || ran > BACKOFF_RESET_AFTER_MS ? BACKOFF_INITIAL_MS : Math.min(prev.delayMs * 2, BACKOFF_MAX_MS);
    this.backoff.set(key, { until: Date.now() + delayMs, delayMs });
  }

  /** Follows the manifest directory: static pods run as API pods do, their status goes to a mirror pod. */
  private startStaticPods(): void {
    const dir = this.options.staticPodPath;
    if (dir === undefined || dir === '') return;
    this.staticPods = new StaticPodSource(
      dir,
      this.nodeName,
      {
        onAdd: (pod) => {
          const uid = pod.metadata?.uid ?? '';
          this.options.logger.info({ pod: podKey(pod), uid }, 'static pod added');
          this.byUid.set(uid, pod);
          this.acceptedAt.set(uid, Date.now());
          this.enqueue(uid);
        },
        onRemove: (pod) => {
          const uid = pod.metadata?.uid ?? '';
          this.options.logger.info({ pod: podKey(pod), uid }, 'static pod removed');
          this.byUid.delete(uid);
          this.enqueue(uid);
          const mirror = this.mirrors.get(podKey(pod));
          if (mirror !== undefined && !this.staticPodNamed(podKey(pod))) void this.deleteMirror(mirror);
        },
        onError: (e) => this.options.logger.warn({ file: e.file, dir }, `static pod manifest skipped: ${e.message}`),
      },
      this.options.staticPodCheckIntervalMs,
    );
    this.staticPods.start();
  }

  /** The static pod of that `namespace/name`, if a manifest defines one. */
  private staticPodNamed(key: string): Pod | undefined {
    for (const pod of this.staticPods?.pods().values() ?? []) if (podKey(pod) === key) return pod;
    return undefined;
  }

  /**
   * A mirror pod from the API: kept to post its static pod's status to; one that is being deleted,
   * belongs to an older manifest or to no manifest is deleted (the static pod's sync creates it anew).
   */
  private observeMirror(mirror: Pod): void {
    const key = podKey(mirror);
    this.mirrors.set(key, mirror);
    const owner = this.staticPodNamed(key);
    const current = owner?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    if (
      owner === undefined ||
      mirror.metadata?.deletionTimestamp !== undefined ||
      mirror.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== current
    ) {
      void this.deleteMirror(mirror);
      return;
    }
    this.enqueue(owner.metadata?.uid ?? '');
  }

  private forgetMirror(mirror: Pod): void {
    const key = podKey(mirror);
    if (this.mirrors.get(key)?.metadata?.uid === mirror.metadata?.uid) this.mirrors.delete(key);
    const owner = this.staticPodNamed(key);
    if (owner !== undefined) this.enqueue(owner.metadata?.uid ?? '');
  }

  private async deleteMirror(mirror: Pod): Promise<void> {
    try {
      await this.options.client.delete(PODS, mirror.metadata?.namespace ?? '', mirror.metadata?.name ?? '', {
        gracePeriodSeconds: 0,
        uid: mirror.metadata?.uid ?? '',
      });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) {
        this.options.logger.warn({ err, pod: podKey(mirror) }, 'deleting a mirror pod failed');
      }
    }
  }

  /**
   * The API object a pod's status is posted to: the pod itself, or a static pod's mirror. A missing
   * mirror is created (undefined is returned: the informer's add of the mirror syncs the pod again).
   */
  private async apiObjectOf(pod: Pod): Promise<Pod | undefined> {
    if (this.staticPods?.pods().has(pod.metadata?.uid ?? '') !== true) return pod;
    const mirror = this.mirrors.get(podKey(pod));
    if (mirror !== undefined && mirror.metadata?.deletionTimestamp === undefined) {
      return mirror.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] === pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]
        ? mirror
        : undefined;
    }
    if (mirror !== undefined || this.node?.metadata?.uid === undefined) return undefined;
    try {
      await this.options.client.create(
        PODS,
        pod.metadata?.namespace ?? '',
        mirrorPodFor(pod, { name: this.nodeName, uid: this.node.metadata.uid }),
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) {
        this.options.logger.warn({ err, pod: podKey(pod) }, 'creating the mirror pod failed');
        this.later(pod.metadata?.uid ?? '', 5_000);
      }
    }
    return undefined;
  }

  /** The running pods with their memory working sets (zero without a stats collector). */
  private podUsage(): PodUsage[] {
    const containers = this.options.runtime.listContainers();
    const pods = this.pods.list();
    const summary = this.options.stats?.summary(this.nodeName, containers, pods).pods ?? [];
    const byUid = new Map(summary.map((p) => [p.podRef.uid, p]));
    const running = new Set(containers.filter((c) => c.state.state === 'running').map((c) => c.config.podUid));
    const out: PodUsage[] = [];
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!running.has(uid) || pod.metadata?.deletionTimestamp !== undefined) continue;
      const stats = byUid.get(uid);
      out.push({
        pod,
        workingSetBytes: stats?.memory.workingSetBytes ?? 0,
        containers: new Map((stats?.containers ?? []).map((c) => [c.name, c.memory.workingSetBytes])),
      });
    }
    return out;
  }

  /** Evicts a pod under node pressure: an event now; its worker stops the containers and posts it Failed. */
  private async evict(pod: Pod, message: string): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    this.options.logger.warn({ pod: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, message }, 'evicting pod');
    this.evicted.set(uid, message);
    this.recorder.record(pod, 'Warning', 'Evicted', message);
    this.enqueue(uid);
    await Promise.resolve();
  }

  /**
   * An evicted pod's worker: kill its containers at once (a hard threshold gives no grace, as upstream)
   * without restarting them, and post phase Failed, reason Evicted, unless the pod already says so.
   */
  private async finishEviction(pod: Pod, message: string | undefined): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const runtime = this.options.runtime;
    const running = runtime.listContainers().filter((c) => c.config.podUid === uid && c.state.state === 'running');
    await Promise.all(running.map((c) => runtime.stopContainer(c.id, 0)));
    this.prober.forgetPod(uid);
    if (message === undefined || isEvicted(pod)) {
      this.evicted.delete(uid);
      return;
    }
    const views: ContainerView[] = (pod.spec?.containers ?? []).map((container) => {
      const attempts = this.containersOf(uid).get(container.name) ?? [];
      const latest = attempts[attempts.length - 1];
      return {
        name: container.name,
        image: container.image ?? '',
        id: latest?.id,
        state: latest === undefined ? undefined : runtime.containerState(latest.id),
        previous: attempts[attempts.length - 2]?.state,
        restartCount: latest === undefined ? 0 : attemptOf(latest.id),
      };
    });
    const startTime = this.startTimes.get(uid) ?? pod.status?.startTime ?? nowTimestamp();
    const status = evictedPodStatus(pod, views, this.options.node.address, startTime, message);
    try {
      await this.options.client.patch(
        PODS,
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        { metadata: { uid }, status },
        'merge',
        'status',
      );
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
    // The entry stays until the informer shows the pod Failed: a sync before that must not restart it.
  }

  /**
   * Stops every container of a pod, removes them and the pod's cgroups. With the pod's spec, each running
   * container's preStop hook runs first and its time counts against the grace period (at least 2 s are left
   * for SIGTERM→SIGKILL, as upstream); app containers stop before sidecars.
   */
  private async teardown(uid: string, graceSeconds: number, pod?: Pod): Promise<void> {
    const runtime = this.options.runtime;
    const containers = runtime.listContainers().filter((c) => c.config.podUid === uid);
    const running = containers.filter((c) => c.state.state === 'running');
    const sidecars = new Set((pod?.spec?.initContainers ?? []).filter(isSidecar).map((c) => c.name));
    const stopAll = (list: ContainerSummary[]): Promise<unknown> =>
      Promise.all(list.map((c) => this.stopWithPreStop(c.id, c.config.containerName, graceSeconds, pod)));
    await stopAll(running.filter((c) => !sidecars.has(c.config.containerName)));
    await stopAll(running.filter((c) => sidecars.has(c.config.containerName)));
    for (const c of containers) await runtime.removeContainer(c.id);
    if (containers.length > 0) await runtime.removePod(uid);
    this.volumes.tearDownPod(uid);
    // The pod cgroup exists even when no container ever started (a start that failed).
    await this.options.cgroups?.removePodCgroup(uid, { kill: true });
    for (const key of [...this.backoff.keys()]) if (key.startsWith(`${uid}/`)) this.backoff.delete(key);
    for (const key of [...this.imageBackoff.keys()]) if (key.startsWith(`${uid}/`)) this.imageBackoff.delete(key);
    this.prober.forgetPod(uid);
    this.startTimes.delete(uid);
    this.evicted.delete(uid);
  }

  /**
   * Runs the container's preStop hook (if the spec has one) within the grace period, then stops it: on pod
   * deletion and on a liveness or startup probe kill, as upstream's killContainer does.
   */
  private async stopWithPreStop(id: string, name: string, graceSeconds: number, pod: Pod | undefined): Promise<void> {
    const spec = [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])].find((x) => x.name === name);
    const preStop = spec?.lifecycle?.preStop;
    let grace = graceSeconds;
    if (pod !== undefined && spec !== undefined && preStop !== undefined) {
      const started = Date.now();
      const outcome = await runLifecycleHook(preStop, this.hookTarget(pod, spec, id), graceSeconds * 1000);
      if (!outcome.ok) this.recorder.record(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${outcome.message}`);
      grace = graceLeftAfterHook(graceSeconds, started);
    }
    await this.options.runtime.stopContainer(id, grace);
  }
}

function containerViewOf(container: Container, attempts: ContainerSummary[]): ContainerView {
  const latest = attempts[attempts.length - 1];
  return {
    name: container.name,
    image: container.image ?? '',
    id: latest?.id,
    state: latest?.state,
    previous: attempts[attempts.length - 2]?.state,
    restartCount: latest === undefined ? 0 : attemptOf(latest.id),
  };
}

/** `namespace/name`. */
function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function shouldRestart(policy: string, state: ContainerState): boolean {
  if (state.state !== 'exited') return false;
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return state.exitCode !== 0;
  return false;
}
