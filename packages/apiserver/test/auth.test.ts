/**
 * A secure apiserver in-process against a real nats-server: max-in-flight
 * fairness under a flood (429 with Retry-After for the flooder only), one
 * audit event per request with user, verb, resource and code (bodies at
 * Request and RequestResponse levels, NATS requests too), and serving
 * certificate rotation without a restart.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@skiff/telemetry';
import { createCertificateAuthority, issueCertificate } from '../../cli/src/pki/openssl.js';
import { startApiServer, type ApiServer } from '../src/index.js';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let api: ApiServer;
let dir: string;
const ca = (): { certFile: string; keyFile: string } => ({ certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-auth-test-'));
  createCertificateAuthority(ca().certFile, ca().keyFile, 'test-ca');
  issueCertificate(ca(), join(dir, 'serving.crt'), join(dir, 'serving.key'), {
    commonName: 'serving-1',
    usage: 'server',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  writeFileSync(
    join(dir, 'tokens.csv'),
    'flood-token,flooder,1,"system:masters"\nquiet-token,quiet,2,"system:masters"\nnobody-token,nobody,3\n',
  );
  writeFileSync(
    join(dir, 'policy.yaml'),
    [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived]',
      'rules:',
      '- level: None',
      '  users: [flooder]',
      '- level: RequestResponse',
      '  verbs: [create]',
      '  resources: [{group: "", resources: [configmaps]}]',
      '- level: Request',
      '  verbs: [create]',
      '  resources: [{group: "", resources: [secrets]}]',
      '- level: Metadata',
      '',
    ].join('\n'),
  );
  nats = await startTestNats();
  api = await startApiServer({
    natsUrl: nats.url,
    port: 0,
    logger: silentLogger(),
    security: {
      tls: { certFile: join(dir, 'serving.crt'), keyFile: join(dir, 'serving.key'), clientCaFile: ca().certFile },
      tokenAuthFile: join(dir, 'tokens.csv'),
      maxRequestsInflight: 20,
      maxMutatingRequestsInflight: 10,
      auditLogPath: join(dir, 'audit.log'),
      auditPolicyFile: join(dir, 'policy.yaml'),
    },
  });
});

afterAll(async () => {
  await api?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

function send(agent: Agent, token: string | undefined, path: string, method = 'GET', body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, api.url);
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        agent,
        ca: readFileSync(ca().certFile),
        headers: {
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Runs `count` calls of fn with at most `concurrency` at once. */
async function flood<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) out.push(await fn(next++));
    }),
  );
  return out;
}

describe('secure apiserver filters', () => {
  it('refuses anonymous requests and passes the health paths', async () => {
    const agent = new Agent({ keepAlive: true });
    expect((await send(agent, undefined, '/api/v1/namespaces')).status).toBe(401);
    expect((await send(agent, undefined, '/healthz')).status).toBe(200);
    const denied = await send(agent, 'nobody-token', '/api/v1/namespaces/default/pods');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({
      reason: 'Forbidden',
      message: 'pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    agent.destroy();
  });

  it('a flood from one client gets 429s with Retry-After while another client is served', async () => {
    const floodAgent = new Agent({ keepAlive: true, maxSockets: 100 });
    const quietAgent = new Agent({ keepAlive: true, maxSockets: 5 });
    const [flooded, quiet] = await Promise.all([
      flood(2000, 100, () => send(floodAgent, 'flood-token', '/api/v1/namespaces/default/pods')),
      flood(50, 5, () => send(quietAgent, 'quiet-token', '/api/v1/namespaces/default/pods')),
    ]);
    floodAgent.destroy();
    quietAgent.destroy();
    const throttled = flooded.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0]?.retryAfter).toBe('1');
    expect(JSON.parse(throttled[0]?.body ?? '{}')).toMatchObject({ reason: 'TooManyRequests', code: 429 });
    expect(flooded.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(quiet.map((r) => r.status)).toEqual(Array.from({ length: 50 }, () => 200));
  });

  it('the audit log has one event per request with user, verb, resource and code', async () => {
    const agent = new Agent({ keepAlive: true });
    await send(agent, 'quiet-token', '/api/v1/namespaces/default/configmaps/audited-1');
    await send(agent, 'nobody-token', '/api/v1/namespaces/kube-system/secrets?marker=2');
    await send(agent, undefined, '/api/v1/nodes?marker=3');
    agent.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const events = readFileSync(join(dir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byUri = (uri: string): Array<Record<string, unknown>> => events.filter((e) => e['requestURI'] === uri);
    expect(byUri('/api/v1/namespaces/default/configmaps/audited-1')).toEqual([
      expect.objectContaining({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'Metadata',
        stage: 'ResponseComplete',
        verb: 'get',
        user: { username: 'quiet', groups: ['system:masters', 'system:authenticated'] },
        objectRef: { resource: 'configmaps', namespace: 'default', name: 'audited-1', apiGroup: '' },
        responseStatus: expect.objectContaining({ code: 404, reason: 'NotFound', message: 'configmaps "audited-1" not found' }) as unknown,
      }),
    ]);
    expect(byUri('/api/v1/namespaces/kube-system/secrets?marker=2')).toEqual([
      expect.objectContaining({
        verb: 'list',
        user: { username: 'nobody', groups: ['system:authenticated'] },
        responseStatus: expect.objectContaining({ code: 403, reason: 'Forbidden' }) as unknown,
      }),
    ]);
    expect(byUri('/api/v1/nodes?marker=3')).toEqual([
      expect.objectContaining({
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        responseStatus: expect.objectContaining({ code: 401 }) as unknown,
      }),
    ]);
    // The policy puts the flooder at None.
    expect(events.some((e) => (e['user'] as { username: string }).username === 'flooder')).toBe(false);
  });

  it('records bodies at Request and RequestResponse levels, and audits requests over NATS', async () => {
    const agent = new Agent({ keepAlive: true });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited-cm' }, data: { k: 'v' } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'audited-secret' }, stringData: { k: 'v' } };
    expect((await send(agent, 'quiet-token', '/api/v1/namespaces/default/configmaps?marker=4', 'POST', cm)).status).toBe(201);
    expect((await send(agent, 'quiet-token', '/api/v1/namespaces/default/secrets?marker=5', 'POST', secret)).status).toBe(201);
    agent.destroy();
    const nc = await connect({ servers: nats.url });
    const h = natsHeaders();
    h.set('Skiff-Method', 'GET');
    h.set('Skiff-Path', '/api/v1/namespaces/default/pods?marker=6');
    const reply = await nc.request('skiff.api.request', new Uint8Array(), { headers: h, timeout: 10_000 });
    expect(reply.headers?.get('Skiff-Status')).toBe('401');
    await nc.close();
    await new Promise((r) => setTimeout(r, 200));
    const events = readFileSync(join(dir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byUri = (uri: string): Array<Record<string, unknown>> => events.filter((e) => e['requestURI'] === uri);
    const created = byUri('/api/v1/namespaces/default/configmaps?marker=4');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      level: 'RequestResponse',
      verb: 'create',
      stage: 'ResponseComplete',
      requestObject: cm,
      responseObject: { kind: 'ConfigMap', metadata: { name: 'audited-cm', namespace: 'default' }, data: { k: 'v' } },
      responseStatus: { code: 201 },
    });
    const secretEvents = byUri('/api/v1/namespaces/default/secrets?marker=5');
    expect(secretEvents).toHaveLength(1);
    expect(secretEvents[0]).toMatchObject({ level: 'Request', requestObject: secret });
    expect(secretEvents[0]?.['responseObject']).toBeUndefined();
    // Over NATS (no credential yet): refused 401 and audited once, like HTTP.
    expect(byUri('/api/v1/namespaces/default/pods?marker=6')).toEqual([
      expect.objectContaining({
        level: 'Metadata',
        verb: 'list',
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        responseStatus: expect.objectContaining({ code: 401 }) as unknown,
      }),
    ]);
  });

  it('reloads a rotated serving certificate without a restart', async () => {
    const peerName = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: api.port, ca: readFileSync(ca().certFile), servername: 'localhost' }, () => {
          const cn = socket.getPeerCertificate().subject.CN;
          socket.end();
          resolve(Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''));
        });
        socket.on('error', reject);
      });
    expect(await peerName()).toBe('serving-1');
    issueCertificate(ca(), join(dir, 'next.crt'), join(dir, 'next.key'), {
      commonName: 'serving-2',
      usage: 'server',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    renameSync(join(dir, 'next.key'), join(dir, 'serving.key'));
    renameSync(join(dir, 'next.crt'), join(dir, 'serving.crt'));
    const deadline = Date.now() + 10_000;
    while ((await peerName()) !== 'serving-2') {
      if (Date.now() > deadline) throw new Error('the rotated certificate was not loaded');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
