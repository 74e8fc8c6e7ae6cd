/** Test helper: a real nats-server with JetStream in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServerHandle } from '../../packages/cli/src/nats-server.js';

export interface TestNats {
  server: NatsServerHandle;
  url: string;
  dir: string;
  connect(): Promise<NatsConnection>;
  stop(): Promise<void>;
}

/** Starts a nats-server on a free port; stop() kills it and removes its files. */
export async function startTestNats(): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-nats-'));
  const server = await startNatsServer({ dataDir: dir });
  const conns: NatsConnection[] = [];
  return {
    server,
    url: server.url,
    dir,
    async connect() {
      const nc = await connect({ servers: server.url });
      conns.push(nc);
      return nc;
    },
    async stop() {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
