/**
 * The controller manager process: shared informers and the controllers built
 * on them: ReplicaSets, Deployments, pod garbage collection, namespaces,
 * default ServiceAccounts, the garbage collector, and the capacity metrics.
 * Node lifecycle and DaemonSets come with their own issue.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import {
  DEPLOYMENTS,
  NAMESPACES,
  NODES,
  PODS,
  REPLICASETS,
  type Deployment,
  type Namespace,
  type Node,
  type Pod,
  type ReplicaSet,
} from '@skiff/api';
import { ApiClient, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import { DeploymentController } from './deployment/index.js';
import { GarbageCollector } from './garbage-collector/index.js';
import { NamespaceController } from './namespace.js';
import { ReplicaSetController } from './replicaset/index.js';
import { PodGcController } from './podgc.js';
import { ServiceAccountController } from './serviceaccount.js';
import { StateMetrics } from './state-metrics/index.js';

export interface ControllerManagerOptions {
  client: ApiClient;
  nc: NatsConnection;
  logger: Logger;
  metrics: Registry;
  podGcIntervalMs?: number;
}

export class ControllerManager {
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly namespaces: Informer<Namespace>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSetController: ReplicaSetController;
  private readonly deploymentController: DeploymentController;
  private readonly podgc: PodGcController;
  private readonly namespaceController: NamespaceController;
  private readonly serviceAccounts: ServiceAccountController;
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
    this.podgc = new PodGcController({ client, pods: this.pods, nodes: this.nodes, logger });
    this.namespaceController = new NamespaceController({ client, namespaces: this.namespaces, logger });
    this.serviceAccounts = new ServiceAccountController(client, this.namespaces, logger);
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
      ],
    });
    // kube-state-metrics' capacity series, computed from the informers at each scrape.
    new StateMetrics({ pods: this.pods, nodes: this.nodes, metrics: options.metrics });
  }

  async start(): Promise<void> {
    await Promise.all([this.pods.start(), this.nodes.start(), this.namespaces.start(), this.replicaSets.start(), this.deployments.start()]);
    this.namespaceController.start();
    this.replicaSetController.start();
    this.deploymentController.start();
    await this.garbageCollector.start();
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
    await this.deploymentController.stop();
    await this.replicaSetController.stop();
    await Promise.all([this.pods.stop(), this.nodes.stop(), this.namespaces.stop(), this.replicaSets.stop(), this.deployments.stop()]);
  }
}
