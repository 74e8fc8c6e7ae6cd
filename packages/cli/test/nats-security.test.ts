/**
 * The NATS door, with real clients against a real nats-server running the
 * configuration `skiff up` generates (TLS, client certificates mapped to users,
 * per-identity permissions) and a secure apiserver in-process: a kubelet's
 * credentials follow its own node's pods and nothing else (not another node's
 * pods, not an unfiltered stream, not secrets, not the objects bucket, not
 * another identity's replies); its requests over NATS are authorized as
 * system:node:<name>; a client without a certificate cannot connect.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  API_REQUEST_SUBJECT,
  apiRequestSubject,
  EVENTS_STREAM,
  eventFilterSubject,
  OBJECTS_STREAM,
  PODS,
  SECRETS,
  type KubeObject,
  type Pod,
} from '@skiff/api';
import { startApiServer, type ApiServer } from '@skiff/apiserver';
import { ApiClient, Informer, natsIdentityOptions, type ClientTls } from '@skiff/client';
import { SCHEDULER_WATCHED_RESOURCES } from '@skiff/scheduler';
import { silentLogger } from '@skiff/telemetry';
import { writeClusterNatsConfig } from '../src/cluster-nats.js';
import { freePort, startNatsServer, type NatsServerHandle } from '../src/nats-server.js';
import { ensureClusterPki, type CertificatePair, type ClusterPki } from '../src/pki/cluster-pki.js';

const NODE = 'node-a';
const OTHER = 'node-b';

let dir: string;
let pki: ClusterPki;
let nats: NatsServerHandle;
let api: ApiServer;
let admin: ApiClient;
let configFile: string;
const connections: NatsConnection[] = [];

const tlsOf = (pair: CertificatePair): ClientTls => ({
  ca: readFileSync(pki.ca.certFile),
  cert: readFileSync(pair.certFile),
  key: readFileSync(pair.keyFile),
});

async function natsAs(pair: CertificatePair | undefined, extra: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
  const identity = pair === undefined ? { tls: { ca: readFileSync(pki.ca.certFile, 'utf8') } } : natsIdentityOptions(tlsOf(pair));
  const nc = await connect({ servers: nats.url, ...identity, ...extra });
  connections.push(nc);
  return nc;
}

/** Resolves with the first permissions violation the server reports on this connection. */
function nextViolation(nc: NatsConnection): Promise<string> {
  return (async () => {
    for await (const s of nc.status()) {
      const message = s.type === 'error' ? String((s as { error?: Error }).error?.message ?? '') : '';
      if (/permissions violation/i.test(message)) return message;
    }
    return '';
  })();
}

const pod = (name: string, nodeName: string, secret: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName,
    containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }],
    volumes: [{ name: 's', secret: { secretName: secret } }],
  },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-nats-security-'));
  pki = ensureClusterPki(join(dir, 'pki'), { hostNames: ['127.0.0.1'], nodeName: NODE });
  const natsDir = join(dir, 'nats');
  const port = await freePort();
  configFile = writeClusterNatsConfig(natsDir, pki, { host: '127.0.0.1', port });
  nats = await startNatsServer({ dataDir: natsDir, port, configFile, tls: true });
  api = await startApiServer({
    natsUrl: nats.url,
    natsTls: { caFile: pki.ca.certFile, ...pki.apiserverNatsClient },
    port: 0,
    logger: silentLogger(),
    security: { tls: { ...pki.apiserver, clientCaFile: pki.ca.certFile } },
  });
  admin = new ApiClient({ server: api.url, tls: tlsOf(pki.admin), userAgent: 'nats-security-test' });
  for (const name of ['secret-a', 'secret-b']) {
    await admin.create(SECRETS, 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'default' },
      data: { k: 'dg==' },
    });
  }
  await admin.create(PODS, 'default', pod('pod-a', NODE, 'secret-a'));
  await admin.create(PODS, 'default', pod('pod-b', OTHER, 'secret-b'));
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
  await api?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the generated NATS configuration', () => {
  it('is readable by its owner only and requires client certificates', () => {
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(configFile, 'utf8');
    expect(text).toContain('"verify_and_map": true');
    expect(text).toContain(`"user": "CN=system:node:${NODE},O=system:nodes"`);
  });

  it('refuses a client without a certificate, and one without TLS', async () => {
    // The TLS handshake fails (the server requires a certificate): the client gives up at its timeout.
    await expect(natsAs(undefined, { timeout: 5000 })).rejects.toThrow();
    await expect(connect({ servers: nats.url.replace('tls://', 'nats://'), tls: null, timeout: 5000 })).rejects.toThrow();
  });
});

describe("a kubelet's NATS credentials", () => {
  it("follow the node's own pods through an informer", async () => {
    const nc = await natsAs(pki.node);
    const client = new ApiClient({ server: api.url, tls: tlsOf(pki.node), userAgent: 'kubelet-test' });
    const informer = new Informer<Pod>({ client, nc, logger: silentLogger(), desc: PODS, nodeName: NODE });
    try {
      await informer.start();
      expect(informer.list().map((p) => p.metadata?.name)).toEqual(['pod-a']);
      await admin.create(PODS, 'default', pod('pod-a2', NODE, 'secret-a'));
      await admin.create(PODS, 'default', pod('pod-b2', OTHER, 'secret-b'));
      await expect.poll(() => informer.get('default/pod-a2') !== undefined, { timeout: 20_000 }).toBe(true);
      expect(informer.get('default/pod-b2')).toBeUndefined();
    } finally {
      await informer.stop();
    }
  });

  it.each([
    ["another node's pods", eventFilterSubject(PODS, { shard: OTHER })],
    ['every pod', eventFilterSubject(PODS)],
    ['secrets', eventFilterSubject(SECRETS)],
    ['the whole stream', 'skiff.ev.>'],
  ])('cannot create a consumer of %s', async (_what, filter) => {
    const nc = await natsAs(pki.node);
    const violation = nextViolation(nc);
    await expect(jetstream(nc).consumers.get(EVENTS_STREAM, { filter_subjects: filter })).rejects.toThrow(/permissions violation/i);
    expect(await violation).toContain('$JS.API.CONSUMER.CREATE');
  });

  it('cannot create a consumer whose body asks for another filter than its subject (the server checks)', async () => {
    const nc = await natsAs(pki.node);
    const own = eventFilterSubject(PODS, { shard: NODE });
    const body = {
      stream_name: EVENTS_STREAM,
      config: { name: 'sneaky', filter_subject: 'skiff.ev.>', ack_policy: 'none', mem_storage: true },
    };
    const reply = await nc.request(`$JS.API.CONSUMER.CREATE.${EVENTS_STREAM}.sneaky.${own}`, JSON.stringify(body), { timeout: 10_000 });
    expect(reply.json<{ error?: { err_code?: number } }>().error?.err_code).toBe(10131);
  });

  it.each([
    ['the objects bucket stream', `$JS.API.STREAM.INFO.${OBJECTS_STREAM}`],
    ['a stored message of the events stream', `$JS.API.STREAM.MSG.GET.${EVENTS_STREAM}`],
    ['the list of consumers', `$JS.API.CONSUMER.NAMES.${EVENTS_STREAM}`],
    ['a request as the admin', apiRequestSubject({ name: 'skiff-admin', groups: ['system:masters'] })],
    ['an anonymous request', API_REQUEST_SUBJECT],
  ])('cannot publish to %s', async (_what, subject) => {
    const nc = await natsAs(pki.node);
    const violation = nextViolation(nc);
    nc.publish(subject, '{}');
    expect(await violation).toContain(subject);
  });

  it.each([
    ['the objects bucket', '$KV.skiff.>'],
    ['event subjects', 'skiff.ev.>'],
    ["other identities' replies", '_INBOX.>'],
    ['API requests', `${API_REQUEST_SUBJECT}.>`],
  ])('cannot subscribe to %s', async (_what, subject) => {
    const nc = await natsAs(pki.node);
    const violation = nextViolation(nc);
    nc.subscribe(subject);
    expect(await violation).toContain(subject);
  });

  it('cannot read the objects bucket through the JetStream manager', async () => {
    const nc = await natsAs(pki.node);
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.info(OBJECTS_STREAM)).rejects.toThrow(/permissions violation/i);
  });
});

/** A minimal valid object of each resource the scheduler watches, named `name`. */
function sample(resource: string, name: string): KubeObject {
  const metadata = { name, namespace: 'default', labels: { app: name } };
  const podTemplate = { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  switch (resource) {
    case 'pods':
      return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podTemplate.spec };
    case 'nodes':
      return { apiVersion: 'v1', kind: 'Node', metadata: { name } };
    case 'namespaces':
      return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    case 'services':
      return { apiVersion: 'v1', kind: 'Service', metadata, spec: { selector: { app: name }, ports: [{ port: 80 }] } };
    case 'replicasets':
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata,
        spec: { selector: { matchLabels: { app: name } }, template: podTemplate },
      };
    default:
      throw new Error(`no sample for ${resource}`);
  }
}

describe("the scheduler's NATS credentials", () => {
  it.each(SCHEDULER_WATCHED_RESOURCES.map((desc) => [desc.resource, desc] as const))(
    'follow %s through an informer (every resource the scheduler watches)',
    async (resource, desc) => {
      const nc = await natsAs(pki.scheduler);
      const violations: string[] = [];
      void nextViolation(nc).then((v) => violations.push(v));
      const client = new ApiClient({ server: api.url, tls: tlsOf(pki.scheduler), userAgent: 'scheduler-test' });
      const informer = new Informer<KubeObject>({ client, nc, logger: silentLogger(), desc });
      try {
        await informer.start();
        const name = `watched-${resource}`;
        await admin.create(desc, desc.namespaced ? 'default' : '', sample(resource, name));
        const key = desc.namespaced ? `default/${name}` : name;
        // A refused consumer is a permissions violation on the connection (the informer would retry forever).
        await expect
          .poll(() => (violations.length > 0 ? violations[0] : informer.get(key)?.metadata?.name), { timeout: 20_000 })
          .toBe(name);
      } finally {
        await informer.stop();
      }
    },
  );
});

describe('API requests over NATS', () => {
  it("are authorized as system:node:<name> for a kubelet: its own pods' secrets yes, another node's no", async () => {
    const nc = await natsAs(pki.node);
    const client = new ApiClient({ server: api.url, nats: nc, tls: tlsOf(pki.node), userAgent: 'kubelet-over-nats' });
    const own = await client.get(SECRETS, 'default', 'secret-a');
    expect(own.metadata?.name).toBe('secret-a');
    const refused = await client.get(SECRETS, 'default', 'secret-b').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(403);
    expect((refused as ApiError).message).toContain('User "system:node:node-a" cannot get resource "secrets"');
  });

  it('carry the admin identity for the admin', async () => {
    const nc = await natsAs(pki.admin);
    const client = new ApiClient({ server: api.url, nats: nc, tls: tlsOf(pki.admin), userAgent: 'admin-over-nats' });
    expect((await client.get(SECRETS, 'default', 'secret-b')).metadata?.name).toBe('secret-b');
  });

  it('are anonymous (401) when sent on the bare subject', async () => {
    const nc = await natsAs(pki.admin);
    const client = new ApiClient({ server: api.url, nats: nc, userAgent: 'anonymous-over-nats' });
    const refused = await client.get(SECRETS, 'default', 'secret-b').catch((err: unknown) => err);
    expect((refused as ApiError).code).toBe(401);
  });
});
