/** Runs a component's work only while this process holds its leader Lease (as kube-scheduler does). */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { LeaderElector, type ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';

export interface LeaderRunOptions {
  client: ApiClient;
  logger: Logger;
  lease: string;
  enabled: boolean;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Starts the work at once when leader election is off; otherwise when this
 * process becomes leader. Losing leadership ends the process (exit code 1) so
 * its supervisor restarts it as a candidate, as upstream components do.
 * Resolves with a stop function.
 */
export async function runWhenLeader(options: LeaderRunOptions): Promise<() => Promise<void>> {
  if (!options.enabled) {
    await options.start();
    return () => options.stop();
  }
  let started = false;
  const elector = new LeaderElector({
    client: options.client,
    logger: options.logger,
    name: options.lease,
    identity: `${os.hostname()}_${randomUUID()}`,
    onStartedLeading: async () => {
      started = true;
      await options.start();
    },
    onStoppedLeading: () => {
      options.logger.error({ lease: options.lease }, 'leader election lost; exiting');
      process.exit(1);
    },
  });
  elector.start();
  return async () => {
    await elector.stop();
    if (started) await options.stop();
  };
}
