/** What the component commands share: the NATS connection, the API client, a small health/metrics server. */
import { createServer, type Server } from 'node:http';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import { ApiClient, natsIdentityOptions } from '@skiff/client';
import { instrumentNatsConnection, serveMetrics } from '@skiff/telemetry';
import type { FlagSpec } from '../flags.js';
import { clientForTarget, readKubeconfig } from './target.js';

/** The flag a component takes for its credentials (`skiff up` writes one kubeconfig per component). */
export const COMPONENT_KUBECONFIG_FLAG: Record<string, FlagSpec> = {
  kubeconfig: {
    type: 'string',
    default: '',
    help: "kubeconfig with the apiserver URL and this component's credentials (overrides --apiserver)",
  },
};

/**
 * Connects to NATS, retrying until it answers (components may start before the server), and
 * registers the connection's bus metrics (and its informers') in the component's registry.
 * A `tls://` URL connects over TLS with the kubeconfig's CA and client certificate: a
 * component's NATS identity is its apiserver identity.
 */
export async function connectNats(url: string, name: string, metrics: Registry, kubeconfig = ''): Promise<NatsConnection> {
  const identity = url.startsWith('tls://') && kubeconfig !== '' ? natsIdentityOptions(readKubeconfig(kubeconfig).tls) : {};
  // Without a certificate the server refuses the TLS handshake, and the client would retry forever in silence.
  if (url.startsWith('tls://') && identity.tls === undefined)
    throw new Error(`NATS at ${url} needs a client certificate: pass --kubeconfig with one (client-certificate-data and client-key-data)`);
  const nc = await connect({
    ...identity,
    servers: url,
    name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: 500,
    noAsyncTraces: true,
  });
  instrumentNatsConnection(nc, metrics);
  return nc;
}

/**
 * The API client of a component (from its kubeconfig when one is given, else
 * plain `server`), waiting until the apiserver is ready.
 */
export async function apiClient(server: string, userAgent: string, kubeconfig = '', waitMs = 60_000): Promise<ApiClient> {
  const client = kubeconfig === '' ? new ApiClient({ server, userAgent }) : clientForTarget(readKubeconfig(kubeconfig), userAgent);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      if ((await client.getText('/readyz')) === 'ok') return client;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the apiserver at ${server} did not become ready within ${waitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Serves `/healthz` and `/metrics` for a component; port 0 skips the server. */
export async function serveHealthAndMetrics(host: string, port: number, metrics: Registry): Promise<Server | undefined> {
  if (port === 0) return undefined;
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      serveMetrics(metrics, req, res).catch(() => res.writeHead(500).end());
      return;
    }
    if (req.url === '/healthz' || req.url === '/readyz' || req.url === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use`) : err),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
