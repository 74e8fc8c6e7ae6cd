/**
 * httpGet probes with scheme HTTPS, native (probe_tls.cc: Node's own OpenSSL, no verification) and TypeScript twin
 * (node:https, rejectUnauthorized false), against a real HTTPS server with a self-signed certificate (the system's
 * openssl), an HTTP server, a TCP server that never answers and a closed port. Both must give the same result and
 * message. Servers and the certificate's directory are removed in afterAll.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../cli/src/pki/openssl.js';
import type { ProbePollerKind, ProbeSpec } from '../src/probes/index.js';
import { runOnce, summary } from './support/run-probes.js';

const KINDS: readonly ProbePollerKind[] = ['ts', 'native'];
const TIMING = { initialDelayMs: 0, periodMs: 60_000, timeoutMs: 1000 };

const dir = mkdtempSync(join(tmpdir(), 'skiff-probe-tls-'));
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
const ports = { tls: 0, plain: 0, silent: 0, closed: 0 };

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  createCertificateAuthority(join(dir, 'cert.pem'), join(dir, 'key.pem'), 'skiff-probe-test', 1);
  const tls = https.createServer({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, (req, res) =>
    res.writeHead(req.url === '/ok' ? 200 : 503).end(`ua=${req.headers['user-agent'] ?? ''}`),
  );
  ports.tls = await listen(tls);
  ports.plain = await listen(http.createServer((req, res) => res.end('plain')));
  ports.silent = await listen(net.createServer((s) => s.on('error', () => undefined)));
  const spare = net.createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  ports.closed = (spare.address() as net.AddressInfo).port;
  await new Promise((r) => spare.close(r));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

const get = (port: number, path: string): ProbeSpec => ({
  ...TIMING,
  kind: 'http',
  scheme: 'HTTPS',
  host: '127.0.0.1',
  port,
  path,
  headers: [],
});

describe('httpGet with scheme HTTPS: native and TypeScript twin agree', () => {
  it('a self-signed server (not verified), status codes, HTTP on the port, no answer, refused', async () => {
    const specs: Record<string, ProbeSpec> = {
      ok: get(ports.tls, '/ok'),
      down: get(ports.tls, '/down'),
      plain: get(ports.plain, '/ok'),
      silent: get(ports.silent, '/ok'),
      refused: get(ports.closed, '/ok'),
    };
    const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
    expect(summary(native!)).toEqual(summary(ts!));
    const url = (port: number): string => `https://127.0.0.1:${port}/ok`;
    expect(summary(native!)).toEqual({
      ok: { result: 'success', output: '' },
      down: { result: 'failure', output: 'HTTP probe failed with statuscode: 503' },
      plain: { result: 'failure', output: `Get "${url(ports.plain)}": http: server gave HTTP response to HTTPS client` },
      silent: { result: 'failure', output: `Get "${url(ports.silent)}": context deadline exceeded` },
      refused: {
        result: 'failure',
        output: `Get "${url(ports.closed)}": dial tcp 127.0.0.1:${ports.closed}: connect: connection refused`,
      },
    });
  });

  it('rejects an unknown scheme in both pollers', async () => {
    const bad = { ...get(ports.tls, '/ok'), scheme: 'FTP' } as unknown as ProbeSpec;
    for (const kind of KINDS) await expect(runOnce(kind, { bad })).rejects.toThrow(TypeError);
  });
});
