/**
 * The pods/log subresource: proxied to the kubelet of the pod's node
 * (`/containerLogs/<ns>/<pod>/<container>`), streaming when `follow=true`.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { badRequest, ApiError, type Node, type Pod } from '@skiff/api';

/** Picks the container a log request is about; 400 when ambiguous or unknown. */
export function chooseContainer(pod: Pod, requested: string | null): string {
  const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  const podName = pod.metadata?.name ?? '';
  if (requested !== null && requested !== '') {
    if (!names.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  const apps = (pod.spec?.containers ?? []).map((c) => c.name);
  if (apps.length === 1 && apps[0] !== undefined) return apps[0];
  throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${apps.join(' ')}]`);
}

/** The kubelet's address and port for a node, from its status. */
export function kubeletEndpoint(node: Node): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  const host = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'Hostname')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (host === undefined || port === undefined || port === 0) {
    throw new ApiError(503, 'ServiceUnavailable', `no kubelet endpoint is known for node ${node.metadata?.name ?? ''}`);
  }
  return { host, port };
}

const PASSED_PARAMS = ['follow', 'tailLines', 'timestamps', 'previous', 'sinceSeconds', 'sinceTime', 'limitBytes'];

/** Streams the kubelet's answer back to the client. */
export function proxyLogs(
  req: IncomingMessage,
  res: ServerResponse,
  pod: Pod,
  node: Node,
  container: string,
  query: URLSearchParams,
): Promise<void> {
  const { host, port } = kubeletEndpoint(node);
  const params = new URLSearchParams();
  for (const p of PASSED_PARAMS) {
    const v = query.get(p);
    if (v !== null) params.set(p, v);
  }
  const ns = encodeURIComponent(pod.metadata?.namespace ?? '');
  const name = encodeURIComponent(pod.metadata?.name ?? '');
  const path = `/containerLogs/${ns}/${name}/${encodeURIComponent(container)}?${params.toString()}`;
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({ host, port, path, method: 'GET' }, (up) => {
      if ((up.statusCode ?? 500) >= 400) {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          reject(
            new ApiError(
              up.statusCode === 404 ? 404 : 400,
              up.statusCode === 404 ? 'NotFound' : 'BadRequest',
              text.trim() || `kubelet answered ${String(up.statusCode)}`,
            ),
          );
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', () => resolve());
    });
    upstream.on('error', (err) =>
      reject(new ApiError(503, 'ServiceUnavailable', `cannot reach the kubelet on ${host}:${port}: ${err.message}`)),
    );
    req.on('close', () => upstream.destroy());
    upstream.end();
  });
}
