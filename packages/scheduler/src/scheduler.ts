/**
 * The scheduler: watches pods and nodes, takes unscheduled pods from the
 * queue one at a time, filters and scores every node in the core (native by
 * default), assumes the pod on the chosen node and binds it asynchronously,
 * so a slow bind never stalls the next decision. A failed bind un-assumes the
 * pod and sends it to backoff; a pod no node fits gets `PodScheduled=False`
 * with kube-scheduler's message and a FailedScheduling event.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ApiError, milestoneAnnotation, namespacedName, NODES, nowTimestamp, PODS, isPodTerminal, type Node, type Pod } from '@skiff/api';
import { ApiClient, EventRecorder, Informer } from '@skiff/client';
import { context, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { contextOfObject, FastHistogram, lifecyclePhaseHistogram, tracer, type HistogramSeries, type Logger } from '@skiff/telemetry';
import { ClusterObjectInformers } from './cluster-objects.js';
import { ClusterState, occupiesNode } from './cluster-state.js';
import { createSchedulerCore } from './core/index.js';
import type { SchedulerCoreKind } from './core/contract.js';
import { defaultProfiles, type Profile } from './framework/config.js';
import { ActionType, eventMatches, type ClusterEvent } from './framework/events.js';
import { Framework } from './framework/framework.js';
import type { PodInfo } from './framework/interfaces.js';
import { FrameworkMetrics } from './framework/metrics.js';
import { nodeUpdateActions } from './framework/node-events.js';
import { Nominator } from './framework/nominator.js';
import { MilestoneTimes } from './milestone-times.js';
import { PreemptionActions } from './preemption-actions.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';

export interface SchedulerOptions {
  client: ApiClient;
  nc: NatsConnection;
  logger: Logger;
  metrics: Registry;
  /** Pods naming this scheduler are ours (default `default-scheduler`); ignored when `profiles` is given. */
  schedulerName?: string;
  /** One framework per profile, chosen by the pod's `schedulerName` (default: upstream's default profile). */
  profiles?: readonly Profile[];
  core?: SchedulerCoreKind;
  /**
   * Send bindings, `Scheduled`/`FailedScheduling` Events and `PodScheduled=False`
   * patches as NATS requests on `nc` (pipelined on one connection) instead of HTTP
   * (default true; a client with a bearer token always uses HTTP, see `ApiClient.overNats`).
   * The apiserver answers them through the same request chain as HTTP.
   */
  writesOverNats?: boolean;
}

const schedulerTracer = tracer('scheduler');

/** How long the loop schedules pods back to back before letting other work run. */
const SCHEDULING_SLICE_MS = 2;

const CREATED_ANNOTATION = milestoneAnnotation('created');
const QUEUED_ANNOTATION = milestoneAnnotation('queued');
const SCHEDULED_ANNOTATION = milestoneAnnotation('scheduled');

/** The pod's attributes on the scheduler's spans. */
function podSpanAttributes(pod: Pod): Attributes {
  return {
    'k8s.pod.name': pod.metadata?.name ?? '',
    'k8s.pod.uid': pod.metadata?.uid ?? '',
    'k8s.namespace.name': pod.metadata?.namespace ?? '',
  };
}

/** The `attempts` label of the SLI histogram by attempt count (upstream caps it at 15). */
const ATTEMPTS_LABEL = Array.from({ length: 16 }, (_, i) => String(i));

/** True when both versions carry the same labels (the inter-pod plugins' input). */
function sameLabels(a: Pod, b: Pod): boolean {
  const x = a.metadata?.labels ?? {};
  const y = b.metadata?.labels ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

/** True when the scheduler should try to place this pod (one of its profiles is the pod's schedulerName). */
export function needsScheduling(pod: Pod, schedulerNames: string | ReadonlySet<string>): boolean {
  const name = pod.spec?.schedulerName ?? 'default-scheduler';
  return (
    (pod.spec?.nodeName === undefined || pod.spec.nodeName === '') &&
    (typeof schedulerNames === 'string' ? name === schedulerNames : schedulerNames.has(name)) &&
    pod.metadata?.deletionTimestamp === undefined &&
    !isPodTerminal(pod) &&
    (pod.spec?.schedulingGates ?? []).length === 0
  );
}

export class Scheduler {
  private readonly queue = new SchedulingQueue();
  private readonly state: ClusterState;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** Namespaces, Services, ReplicaSets: for InterPodAffinity and PodTopologySpread. */
  private readonly objects: ClusterObjectInformers;
  private readonly recorder: EventRecorder;
  /** The client of the per-pod writes: over NATS when allowed (see `writesOverNats`). */
  private readonly writer: ApiClient;
  /** Profile name → its framework. */
  private readonly frameworks = new Map<string, Framework>();
  private readonly schedulerNames: ReadonlySet<string>;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly binds = new Set<Promise<void>>();
  /** Pod key → the milestone annotations its binding carries. */
  private readonly milestones = new Map<string, Record<string, string>>();
  /** Milestone timestamps: pods scheduled in one slice share their millisecond, so each is formatted once. */
  private readonly queuedTimes = new MilestoneTimes();
  private readonly scheduledTimes = new MilestoneTimes();
  private readonly attempts: Counter;
  private readonly attemptDuration: FastHistogram<'result' | 'profile'>;
  private readonly sli: FastHistogram<'attempts'>;
  /** The scheduler's lifecycle phases, resolved once (observed for every pod). */
  private readonly phases: Readonly<Record<'delivery_to_scheduler' | 'scheduling' | 'binding', HistogramSeries>>;
  /** Pods that preempted others, counted on their nominated node while the victims go. */
  private readonly nominator = new Nominator();
  private readonly preemption: PreemptionActions;

  constructor(private readonly options: SchedulerOptions) {
    this.state = new ClusterState(createSchedulerCore(options.core ?? 'native'));
    const profiles = options.profiles ?? defaultProfiles(options.schedulerName);
    const frameworkMetrics = new FrameworkMetrics(options.metrics);
    this.writer = (options.writesOverNats === false ? undefined : options.client.overNats(options.nc)) ?? options.client;
    this.recorder = new EventRecorder(this.writer, profiles[0]?.schedulerName ?? 'default-scheduler', options.logger);
    this.preemption = new PreemptionActions({
      client: options.client,
      recorder: this.recorder,
      state: this.state,
      nominator: this.nominator,
      logger: options.logger,
      schedulerName: profiles[0]?.schedulerName ?? 'default-scheduler',
      metrics: options.metrics,
    });
    this.objects = new ClusterObjectInformers(options);
    for (const profile of profiles) {
      const framework = new Framework({
        profile,
        nodes: this.state.nodes,
        core: this.state.core,
        objects: this.objects,
        metrics: frameworkMetrics,
        bind: (pod, node) => this.bind(pod, node),
        nominator: this.nominator,
        preemption: this.preemption,
      });
      this.frameworks.set(profile.schedulerName, framework);
    }
    this.schedulerNames = new Set(this.frameworks.keys());
    const { client, nc, logger } = options;
    this.nodes = new Informer<Node>({
      client,
      nc,
      logger,
      desc: NODES,
      handlers: {
        onAdd: (n) => {
          this.state.upsertNode(n);
          this.onClusterEvent({ resource: 'Node', actions: ActionType.Add });
        },
        onUpdate: (old, n) => {
          this.state.upsertNode(n);
          const actions = nodeUpdateActions(old, n);
          if (actions !== 0) this.onClusterEvent({ resource: 'Node', actions });
        },
        onDelete: (n) => this.state.removeNode(n),
      },
    });
    this.pods = new Informer<Pod>({
      client,
      nc,
      logger,
      desc: PODS,
      handlers: {
        onAdd: (p) => {
          this.observe(p);
          if (occupiesNode(p)) this.onClusterEvent({ resource: 'Pod', actions: ActionType.Add });
        },
        onUpdate: (old, p) => {
          this.observe(p, old);
          if (occupiesNode(old) && !occupiesNode(p)) this.onClusterEvent({ resource: 'Pod', actions: ActionType.Delete });
          else if (!occupiesNode(old) && occupiesNode(p)) this.onClusterEvent({ resource: 'Pod', actions: ActionType.Add });
          else if (occupiesNode(p) && !sameLabels(old, p)) this.onClusterEvent({ resource: 'Pod', actions: ActionType.Update });
        },
        onDelete: (p) => {
          this.state.deletePod(p);
          this.queue.delete(namespacedName(p));
          this.nominator.forget(namespacedName(p));
          this.preemption.forget(p);
          for (const f of this.frameworks.values()) f.getWaitingPod(namespacedName(p))?.reject('', 'pod deleted while waiting on permit');
          this.onClusterEvent({ resource: 'Pod', actions: ActionType.Delete });
        },
      },
    });
    this.attempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result.',
      labelNames: ['result', 'profile'],
      registers: [options.metrics],
    });
    this.attemptDuration = new FastHistogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [options.metrics],
    });
    this.sli = new FastHistogram({
      name: 'scheduler_pod_scheduling_sli_duration_seconds',
      help: 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.',
      labelNames: ['attempts'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [options.metrics],
    });
    const phases = lifecyclePhaseHistogram(options.metrics);
    this.phases = {
      delivery_to_scheduler: phases.seriesOf('delivery_to_scheduler'),
      scheduling: phases.seriesOf('scheduling'),
      binding: phases.seriesOf('binding'),
    };
    const queue = this.queue;
    new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Number of pending pods, by the queue type.',
      labelNames: ['queue'],
      registers: [options.metrics],
      collect() {
        const s = queue.sizes();
        this.set({ queue: 'active' }, s.active);
        this.set({ queue: 'backoff' }, s.backoff);
        this.set({ queue: 'unschedulable' }, s.unschedulable);
      },
    });
  }

  /** Syncs both informers, then starts the scheduling loop. */
  async start(): Promise<void> {
    await this.objects.start();
    await this.nodes.start();
    await this.pods.start();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.queue.close();
    await this.loop;
    for (const f of this.frameworks.values()) f.iterateOverWaitingPods((w) => w.reject('', 'scheduler stopping'));
    await Promise.allSettled([...this.binds]);
    await this.preemption.drain();
    await this.pods.stop();
    await this.nodes.stop();
    await this.objects.stop();
  }

  private observe(pod: Pod, old?: Pod): void {
    this.state.observePod(pod);
    const key = namespacedName(pod);
    if (needsScheduling(pod, this.schedulerNames)) {
      this.queue.add(key, pod.spec?.priority ?? 0);
      this.preemption.observe(pod, old);
    } else {
      this.queue.delete(key);
      this.nominator.forget(key);
    }
  }

  /** Moves the parked pods whose rejecting plugins registered this event. */
  private onClusterEvent(event: ClusterEvent): void {
    this.queue.moveOnEvent((rejectors) => {
      for (const framework of this.frameworks.values()) {
        for (const plugin of rejectors) if (framework.eventsOf(plugin).some((e) => eventMatches(e, event))) return true;
      }
      return false;
    });
  }

  /**
   * The scheduling loop: one pod after another, each seeing the ones before it
   * through the assumed pods. Pods already active are scheduled back to back for
   * up to {@link SCHEDULING_SLICE_MS}, so their bindings leave in one NATS write;
   * then informer events and bind completions run before the next slice.
   */
  private async run(): Promise<void> {
    while (this.running) {
      const first = await this.queue.pop();
      if (first === undefined) return;
      const until = performance.now() + SCHEDULING_SLICE_MS;
      for (let queued: QueuedPod | undefined = first; queued !== undefined;) {
        this.attempt(queued);
        queued = this.running && performance.now() < until ? this.queue.popActive() : undefined;
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private attempt(queued: QueuedPod): void {
    try {
      this.scheduleOne(queued.key, queued.enqueuedAt, queued.attempts);
    } catch (err) {
      this.options.logger.error({ err, pod: queued.key }, 'scheduling attempt failed');
      this.queue.markFailed(queued.key);
    }
  }

  private scheduleOne(key: string, enqueuedAt: number, attempts: number): void {
    const started = performance.now();
    const pod = this.pods.get(key);
    const framework = this.frameworks.get(pod?.spec?.schedulerName ?? 'default-scheduler');
    if (pod === undefined || framework === undefined || !needsScheduling(pod, this.schedulerNames)) {
      this.queue.done(key);
      return;
    }
    const now = Date.now();
    const parent = contextOfObject(pod);
    const cycle = schedulerTracer.startSpan('scheduling cycle', undefined, parent);
    // The cycle's child spans and every span's attributes only when the cycle records: under the
    // samplers Skiff configures (parent-based or trace-id ratio) the children of a span that is
    // not recorded are not recorded either.
    const recording = cycle.isRecording();
    let filterScore: Span | undefined;
    if (recording) {
      const attributes = podSpanAttributes(pod);
      cycle.setAttributes({ ...attributes, 'skiff.scheduler.attempt': attempts });
      const inCycle = trace.setSpan(parent, cycle);
      schedulerTracer.startSpan('queue wait', { startTime: enqueuedAt, attributes }, inCycle).end(now);
      filterScore = schedulerTracer.startSpan(
        'filter and score',
        { attributes: { 'skiff.scheduler.nodes': this.state.core.nodeCount } },
        inCycle,
      );
    }
    const result = framework.schedulePod(pod);
    if (filterScore !== undefined) {
      if (result.kind === 'scheduled') filterScore.setAttribute('skiff.scheduler.feasible_nodes', result.feasibleNodes);
      filterScore.end();
    }
    const profile = framework.profileName;
    if (result.kind === 'unschedulable') {
      const message = result.message;
      cycle.setStatus({ code: SpanStatusCode.ERROR, message });
      cycle.end();
      this.queue.markUnschedulable(key, result.rejectors);
      this.attempts.inc({ result: 'unschedulable', profile });
      this.attemptDuration.seriesOf('unschedulable', profile).observe((performance.now() - started) / 1000);
      this.reportUnschedulable(pod, message);
      return;
    }
    const node = result.nodeName;
    if (recording) cycle.setAttribute('k8s.node.name', node);
    cycle.end();
    this.state.assume(pod, node);
    this.nominator.forget(key);
    this.preemption.forget(pod);
    const reserved = framework.runReserve(result.state, result.pod, node);
    if (reserved !== null) {
      this.state.forgetAssumed(key);
      this.queue.markFailed(key, pod.spec?.priority ?? 0);
      return;
    }
    this.queue.done(key);
    const created = Date.parse(pod.metadata?.annotations?.[CREATED_ANNOTATION] ?? '');
    if (!Number.isNaN(created) && attempts === 1) this.phases.delivery_to_scheduler.observe(Math.max(0, enqueuedAt - created) / 1000);
    this.phases.scheduling.observe(Math.max(0, now - enqueuedAt) / 1000);
    // Not the cycle's child: sampled on its own (a root span under a trace-id ratio gets its own trace).
    const binding = schedulerTracer.startSpan('binding cycle', undefined, parent);
    if (binding.isRecording()) binding.setAttributes({ ...podSpanAttributes(pod), 'k8s.node.name': node });
    const milestones = {
      [QUEUED_ANNOTATION]: this.queuedTimes.format(enqueuedAt),
      [SCHEDULED_ANNOTATION]: this.scheduledTimes.format(now),
    };
    this.milestones.set(key, milestones);
    const bind = context
      .with(trace.setSpan(parent, binding), () => framework.runBindingCycle(result.state, result.pod, node))
      .then((failure) => {
        if (failure !== null) throw new Error(`binding cycle failed: ${failure.reasons.join(', ')}`);
      })
      .then(() => {
        this.attempts.inc({ result: 'scheduled', profile });
        this.attemptDuration.seriesOf('scheduled', profile).observe((performance.now() - started) / 1000);
        this.sli.seriesOf(ATTEMPTS_LABEL[Math.min(attempts, 15)]).observe((Date.now() - enqueuedAt) / 1000);
        this.phases.binding.observe((Date.now() - now) / 1000);
      })
      .catch((err: unknown) => {
        binding.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        if (err instanceof ApiError && err.code === 409 && /already assigned/.test(err.message)) return;
        framework.runUnreserve(result.state, result.pod, node);
        this.state.forgetAssumed(key);
        if (err instanceof ApiError && err.code === 404) return;
        this.attempts.inc({ result: 'error', profile });
        this.options.logger.warn({ err, pod: key, node }, 'binding failed; retrying after backoff');
        this.queue.markFailed(key, pod.spec?.priority ?? 0);
      })
      .finally(() => {
        this.milestones.delete(key);
        binding.end();
        this.binds.delete(bind);
      });
    this.binds.add(bind);
  }

  /** DefaultBinder's call: `POST pods/<name>/binding` with the pod's lifecycle milestones. */
  private async bind(info: PodInfo, node: string): Promise<void> {
    const pod = info.pod;
    const annotations = this.milestones.get(info.key) ?? {};
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    await this.writer.createSubresource(PODS, ns, name, 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: ns, uid: pod.metadata?.uid, annotations },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    });
    this.recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
  }

  private reportUnschedulable(pod: Pod, message: string): void {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.message === message) return;
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: nowTimestamp(),
    };
    this.writer
      .patch(PODS, ns, name, { status: { conditions: [condition] } }, 'strategic', 'status')
      .catch((err: unknown) => this.options.logger.debug({ err, pod: `${ns}/${name}` }, 'recording PodScheduled=False failed'));
    this.recorder.record(pod, 'Warning', 'FailedScheduling', message);
  }
}
