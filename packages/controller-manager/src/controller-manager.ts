/**
 * The controller manager process: shared informers and the controllers built
 * on them: ReplicaSets, Deployments, DaemonSets, node lifecycle (with
 * taint-based eviction), the garbage collector, pod garbage collection,
 * namespaces, default ServiceAccounts, and the capacity metrics.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import {
  DAEMONSETS,
  DEPLOYMENTS,
  LEASES,
  NAMESPACES,
  NODES,
  PODS,
  REPLICASETS,
  type DaemonSet,
  type Deployment,
  type Lease,
  type Namespace,
  type Node,
  type Pod,
  type ReplicaSet,
} from '@skiff/api';
import { ApiClient, EventRecorder, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { DaemonSetController } from './daemonset/index.js';
import { DeploymentController } from './deployment/index.js';
import { GarbageCollector } from './garbage-collector/index.js';
import { NODE_LEASE_NAMESPACE, NodeLifecycleController, TaintEvictionController, type EvictionRates } from './node-lifecycle/index.js';
import { NamespaceController } from './namespace.js';
import { ReplicaSetController } from './replicaset/index.js';
import { PodGcController } from './podgc.js';
import { ServiceAccountController } from './serviceaccount.js';
import { RootCaPublisher } from './root-ca-publisher.js';
import { StateMetrics } from './state-metrics/index.js';

export interface ControllerManagerOptions {
  client: ApiClient;
  nc: NatsConnection;
  logger: Logger;
  metrics: Registry;
  podGcIntervalMs?: number;
  /** Node lifecycle settings (upstream's --node-monitor-period, --node-monitor-grace-period, --node-startup-grace-period). */
  nodeMonitorPeriodMs?: number;
  nodeMonitorGracePeriodMs?: number;
  nodeStartupGracePeriodMs?: number;
  /** --node-eviction-rate, --secondary-node-eviction-rate, --unhealthy-zone-threshold, --large-cluster-size-threshold. */
  evictionRates?: Partial<EvictionRates>;
  /** The cluster CA (PEM) published in every namespace as ConfigMap `kube-root-ca.crt`; none when unset. */
  rootCaPem?: string;
}

export class ControllerManager {
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly namespaces: Informer<Namespace>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly deployments: Informer<Deployment>;
  private readonly daemonSets: Informer<DaemonSet>;
  private readonly nodeLeases: Informer<Lease>;
  private readonly daemonSetController: DaemonSetController;
  private readonly nodeLifecycle: NodeLifecycleController;
  private readonly taintEviction: TaintEvictionController;
  private readonly replicaSetController: ReplicaSetController;
  private readonly deploymentController: DeploymentController;
  private readonly podgc: PodGcController;
  private readonly namespaceController: NamespaceController;
  private readonly serviceAccounts: ServiceAccountController;
  private readonly rootCa: RootCaPublisher | undefined;
  private readonly garbageCollector: GarbageCollector;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ControllerManagerOptions) {
    const { client, nc, logger } = options;
    this.pods = new Informer<Pod>({ client, nc, logger, desc: PODS });
    this.nodes = new Informer<Node>({ client, nc, logger, desc: NODES });
    this.namespaces = new Informer<Namespace>({ client, nc, logger, desc: NAMESPACES });
    this.replicaSets = new Informer<ReplicaSet>({ client, nc, logger, desc: REPLICASETS });
    this.deployments = new Informer<Deployment>({ client, nc, logger, desc: DEPLOYMENTS });
    this.replicaSetController = new ReplicaSetController({
      client,
      pods: this.pods,
      replicaSets: this.replicaSets,
      logger,
      metrics: options.metrics,
    });
    this.deploymentController = new DeploymentController({
      client,
      deployments: this.deployments,
      replicaSets: this.replicaSets,
      pods: this.pods,
      logger,
      metrics: options.metrics,
    });
    this.daemonSets = new Informer<DaemonSet>({ client, nc, logger, desc: DAEMONSETS });
    this.nodeLeases = new Informer<Lease>({ client, nc, logger, desc: LEASES, namespace: NODE_LEASE_NAMESPACE });
    this.daemonSetController = new DaemonSetController({
      client,
      daemonSets: this.daemonSets,
      pods: this.pods,
      nodes: this.nodes,
      logger,
      metrics: options.metrics,
    });
    const nodeEvents = new EventRecorder(client, 'node-controller', logger);
    this.nodeLifecycle = new NodeLifecycleController({
      client,
      nodes: this.nodes,
      leases: this.nodeLeases,
      logger,
      events: nodeEvents,
      monitorPeriodMs: options.nodeMonitorPeriodMs,
      gracePeriodMs: options.nodeMonitorGracePeriodMs,
      startupGracePeriodMs: options.nodeStartupGracePeriodMs,
      rates: options.evictionRates,
    });
    this.taintEviction = new TaintEvictionController({
      client,
      pods: this.pods,
      nodes: this.nodes,
      logger,
      events: new EventRecorder(client, 'taint-eviction-controller', logger),
    });
    this.podgc = new PodGcController({ client, pods: this.pods, nodes: this.nodes, logger });
    this.namespaceController = new NamespaceController({ client, namespaces: this.namespaces, logger });
    this.serviceAccounts = new ServiceAccountController(client, this.namespaces, logger);
    this.rootCa = options.rootCaPem === undefined ? undefined : new RootCaPublisher(client, this.namespaces, options.rootCaPem, logger);
    this.garbageCollector = new GarbageCollector({
      client,
      nc,
      logger,
      metrics: options.metrics,
      shared: [
        [PODS, this.pods],
        [NODES, this.nodes],
        [NAMESPACES, this.namespaces],
        [REPLICASETS, this.replicaSets],
        [DEPLOYMENTS, this.deployments],
        [DAEMONSETS, this.daemonSets],
      ],
    });
    // kube-state-metrics' capacity series, computed from the informers at each scrape.
    new StateMetrics({ pods: this.pods, nodes: this.nodes, metrics: options.metrics });
  }

  async start(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.start()));
    this.namespaceController.start();
    this.replicaSetController.start();
    this.deploymentController.start();
    await this.garbageCollector.start();
    this.daemonSetController.start();
    await this.nodeLifecycle.start();
    await this.taintEviction.start();
    this.timer = setInterval(() => {
      this.pass = this.podgc.runOnce().catch((err: unknown) => this.options.logger.warn({ err }, 'podgc pass failed'));
    }, this.options.podGcIntervalMs ?? 20_000);
    this.options.logger.info('controller-manager started');
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.pass;
    await this.garbageCollector.stop();
    await this.namespaceController.stop();
    await this.serviceAccounts.stop();
    await this.rootCa?.stop();
    await this.taintEviction.stop();
    await this.nodeLifecycle.stop();
    await this.daemonSetController.stop();
    await this.deploymentController.stop();
    await this.replicaSetController.stop();
    await Promise.all(this.informers().map((i) => i.stop()));
  }

  private informers(): Array<
    | Informer<Pod>
    | Informer<Node>
    | Informer<Namespace>
    | Informer<ReplicaSet>
    | Informer<Deployment>
    | Informer<DaemonSet>
    | Informer<Lease>
  > {
    return [this.pods, this.nodes, this.namespaces, this.replicaSets, this.deployments, this.daemonSets, this.nodeLeases];
  }
}
