/**
 * Test helper: hollow kubelets joined to a test cluster from `skiff up`, in
 * the test process. One fleet per node, so a test can silence one node (stop
 * its fleet: heartbeats end, its Node and Lease stay, as a dead kubelet's do).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { HollowFleet } from '@skiff/kubelet';
import { createMetricsRegistry, silentLogger } from '@skiff/telemetry';
import type { TestCluster } from './cluster.js';

export interface HollowNodes {
  /** Node names, in order. */
  names: string[];
  /** Stops one node's hollow kubelet (idempotent). */
  silence(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `count` hollow nodes named `<prefix><i>`, each in its own fleet, with the given heartbeat interval and CPU. */
export async function startHollowNodes(
  cluster: TestCluster,
  options: { prefix: string; count: number; heartbeatIntervalMs?: number; cpu?: string },
): Promise<HollowNodes> {
  const nc: NatsConnection = await connect(cluster.natsOptions());
  const client = cluster.client('skiff-test-hollow');
  const fleets = new Map<string, HollowFleet>();
  for (let i = 0; i < options.count; i++) {
    const prefix = `${options.prefix}${i}-`;
    const fleet = new HollowFleet({
      client,
      nc,
      logger: silentLogger(),
      metrics: createMetricsRegistry('hollow-kubelet', false),
      count: 1,
      prefix,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      ...(options.cpu === undefined ? {} : { node: { cpu: options.cpu } }),
    });
    await fleet.start();
    fleets.set(fleet.nodeName(0), fleet);
  }
  const stopped = new Set<string>();
  const silence = async (name: string): Promise<void> => {
    if (stopped.has(name)) return;
    stopped.add(name);
    await fleets.get(name)?.stop();
  };
  return {
    names: [...fleets.keys()],
    silence,
    async stop() {
      for (const name of fleets.keys()) await silence(name);
      await nc.close();
    },
  };
}
