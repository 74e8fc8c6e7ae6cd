// HTTP clients for the api bench: node:http with keep-alive agents (no
// dependencies), and latency statistics.
import http from 'node:http';
import https from 'node:https';

/** TLS material (ca, cert, key) for an `https://` apiserver; undefined: plain HTTP. */
let tls;
let defaultAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Speak HTTPS with this CA and client certificate from now on (the `--secure` runs). */
export function useTls(material) {
  tls = material;
  defaultAgent = agent(4);
}

/** A keep-alive agent with at most `sockets` connections. */
export function agent(sockets) {
  const options = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets };
  return tls === undefined ? new http.Agent(options) : new https.Agent({ ...options, ...tls });
}

/** One request; resolves with the status and the whole body (a Buffer). */
export function request(baseUrl, method, path, { body, agent: a = defaultAgent, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = (baseUrl.startsWith('https:') ? https : http).request(
      `${baseUrl}${path}`,
      {
        method,
        agent: a,
        headers:
          payload === undefined
            ? headers
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function get(baseUrl, path, options) {
  return request(baseUrl, 'GET', path, options);
}

/** Throws unless the status is one of `ok`. */
export function expectStatus(res, ok, what) {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  return res;
}

/** Creates a namespace through the API (201, or 409 when it exists). */
export async function createNamespace(baseUrl, name) {
  const res = await request(baseUrl, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  expectStatus(res, [201, 409], `create namespace ${name}`);
}

/** The q-quantile (0..1) of a sorted array, nearest rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** p50 / p99 / max of samples (any order). */
export function summarize(samples) {
  const s = Float64Array.from(samples).sort();
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.length === 0 ? NaN : s[s.length - 1] };
}

export function median(values) {
  return quantile(Float64Array.from(values).sort(), 0.5);
}
