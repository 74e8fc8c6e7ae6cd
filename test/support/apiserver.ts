/** Test helper: a real nats-server plus an in-process apiserver on a free port. */
import { startApiServer, type ApiServer } from '@skiff/apiserver';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { startTestNats, type TestNats } from './nats.js';

export interface TestApi {
  nats: TestNats;
  api: ApiServer;
  client: ApiClient;
  /** Stops the apiserver only (NATS keeps running); start() brings up a new one on the same port. */
  restart(between?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestApi(options: { watchCacheSize?: number } = {}): Promise<TestApi> {
  const nats = await startTestNats();
  let api = await startApiServer({ natsUrl: nats.url, port: 0, logger: silentLogger(), ...options });
  const port = api.port;
  const t: TestApi = {
    nats,
    api,
    client: new ApiClient({ server: api.url, userAgent: 'skiff-test' }),
    async restart(between) {
      await api.stop();
      await between?.();
      api = await startApiServer({ natsUrl: nats.url, port, logger: silentLogger(), ...options });
      t.api = api;
    },
    async stop() {
      await api.stop();
      await nats.stop();
    },
  };
  return t;
}
