/**
 * The kubelet's HTTP server: `/healthz`, `/pods`, `/containerLogs/<ns>/<pod>/<container>`
 * (the apiserver's pods/log proxies here), `/metrics`, `/metrics/probes`, `/metrics/resource`, `/stats/summary`.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Pod } from '@skiff/api';
import { serveMetrics, type Logger } from '@skiff/telemetry';
import type { ContainerRuntime } from './runtime/index.js';
import type { StatsCollector } from './stats/summary.js';

export interface KubeletServerDeps {
  runtime: ContainerRuntime;
  findPod(namespace: string, name: string): Pod | undefined;
  listPods(): Pod[];
  metrics: Registry;
  logger: Logger;
  stats: StatsCollector | undefined;
  nodeName: string;
  /** The prober's metrics, served on /metrics/probes. */
  probeMetrics?: Registry;
  /** Container, pod and node cpu and memory, served on /metrics/resource (metrics/resource-metrics.ts). */
  resourceMetrics?: Registry;
}

function text(res: import('node:http').ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
}

export function createKubeletServer(deps: KubeletServerDeps): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const run = async (): Promise<void> => {
      if (url.pathname === '/healthz') return text(res, 200, 'ok');
      if (url.pathname === '/metrics') return serveMetrics(deps.metrics, req, res);
      if (url.pathname === '/metrics/probes' && deps.probeMetrics !== undefined) return serveMetrics(deps.probeMetrics, req, res);
      if (url.pathname === '/metrics/resource' && deps.resourceMetrics !== undefined) return serveMetrics(deps.resourceMetrics, req, res);
      if (url.pathname === '/pods') {
        const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: deps.listPods() });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
        return;
      }
      if (url.pathname === '/stats/summary') {
        const summary = deps.stats?.summary(deps.nodeName, deps.runtime.listContainers(), deps.listPods()) ?? {
          node: { nodeName: deps.nodeName },
          pods: [],
        };
        const body = JSON.stringify(summary);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
        return;
      }
      if (parts[0] === 'containerLogs' && parts.length === 4) {
        const [, ns, name, container] = parts as [string, string, string, string];
        const pod = deps.findPod(ns, name);
        const uid = pod?.metadata?.uid;
        if (pod === undefined || uid === undefined) return text(res, 404, `pod ${ns}/${name} not found on this node`);
        const tail = url.searchParams.get('tailLines');
        const tailLines = tail === null ? undefined : Number(tail);
        const timestamps = url.searchParams.get('timestamps') === 'true';
        const previous = url.searchParams.get('previous') === 'true';
        if (url.searchParams.get('follow') === 'true' && !previous) {
          const abort = new AbortController();
          req.on('close', () => abort.abort());
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Transfer-Encoding': 'chunked' });
          res.flushHeaders();
          const opts = { signal: abort.signal, timestamps, ...(tailLines === undefined ? {} : { tailLines }) };
          for await (const line of deps.runtime.followLog(uid, container, opts)) res.write(`${line}\n`);
          res.end();
          return;
        }
        try {
          const lines = await deps.runtime.readLog(uid, container, {
            timestamps,
            previous,
            ...(tailLines === undefined ? {} : { tailLines }),
          });
          return text(res, 200, lines.map((l) => `${l}\n`).join(''));
        } catch (err) {
          const msg = previous
            ? `previous terminated container "${container}" in pod "${name}" not found`
            : `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`;
          deps.logger.debug({ err }, 'log read failed');
          return text(res, 400, msg);
        }
      }
      text(res, 404, 'not found');
    };
    run().catch((err: unknown) => {
      deps.logger.warn({ err, path: url.pathname }, 'kubelet request failed');
      if (!res.headersSent) text(res, 500, err instanceof Error ? err.message : String(err));
      else res.end();
    });
  });
}
