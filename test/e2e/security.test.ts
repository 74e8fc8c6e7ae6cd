/**
 * The secure HTTP door of a real cluster from `skiff up`, driven with the real
 * kubectl: x509 client certificates, static tokens and ServiceAccount tokens
 * authenticate; forged and expired credentials are refused; RBAC allows and
 * denies as Kubernetes does (`kubectl auth can-i`); the Node authorizer limits
 * a kubelet to its own pods and what they reference.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, LEASES, PODS, SECRETS, type Lease, type Pod } from '@skiff/api';
import { ServiceAccountTokenIssuer } from '@skiff/apiserver';
import { ApiClient } from '@skiff/client';
import { createCertificateAuthority, issueCertificate } from '../../packages/cli/src/pki/openssl.js';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let scratch: string;
const ALICE_TOKEN = 'alice-token-0123456789';

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'skiff-security-'));
  const tokens = join(scratch, 'tokens.csv');
  writeFileSync(tokens, `${ALICE_TOKEN},alice,1001,"dev,qa"\n`);
  cluster = await startCluster({ args: ['--token-auth-file', tokens] });
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const pki = (file: string): string => join(cluster.dataDir, 'pki', file);

/** A kubeconfig for the cluster's CA with a token or a client certificate. */
function kubeconfigWith(name: string, user: { token: string } | { cert: string; key: string }): string {
  const ca = readFileSync(pki('ca.crt')).toString('base64');
  const userLines =
    'token' in user
      ? [`    token: ${user.token}`]
      : [
          `    client-certificate-data: ${readFileSync(user.cert).toString('base64')}`,
          `    client-key-data: ${readFileSync(user.key).toString('base64')}`,
        ];
  const file = join(scratch, `${name}.kubeconfig`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${cluster.apiUrl}", certificate-authority-data: ${ca}}}]`,
      'users:',
      '- name: u',
      '  user:',
      ...userLines,
      'contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
  return file;
}

/** An API client trusting the cluster CA with the given client certificate. */
function clientWithCert(name: string): ApiClient {
  return new ApiClient({
    server: cluster.apiUrl,
    retryForMs: 0,
    tls: { ca: readFileSync(pki('ca.crt')), cert: readFileSync(pki(`${name}.crt`)), key: readFileSync(pki(`${name}.key`)) },
  });
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('authentication', () => {
  it('admin client certificate: kubectl works and auth whoami names the user and groups', async () => {
    const out = await cluster.kubectl('auth', 'whoami', '-o', 'json');
    const review = JSON.parse(out) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(review.status.userInfo.username).toBe('skiff-admin');
    expect(review.status.userInfo.groups).toEqual(['system:masters', 'system:authenticated']);
  });

  it('anonymous requests get 401 Unauthorized except the health and version paths', async () => {
    const anonymous = new ApiClient({ server: cluster.apiUrl, retryForMs: 0, tls: { ca: readFileSync(pki('ca.crt')) } });
    const err = await rejection(anonymous.list(PODS, { namespace: 'default' }));
    expect(err.code).toBe(401);
    expect(err.reason).toBe('Unauthorized');
    expect(await anonymous.getText('/healthz')).toBe('ok');
    expect(await anonymous.getText('/readyz')).toBe('ok');
    expect(JSON.parse(await anonymous.getText('/version'))).toHaveProperty('minor');
    expect((await rejection(anonymous.getText('/apis'))).code).toBe(401);
  });

  it('a certificate from another CA is refused', async () => {
    // A CA of its own, and a certificate claiming to be the admin.
    const ca = { certFile: join(scratch, 'forged-ca.crt'), keyFile: join(scratch, 'forged-ca.key') };
    createCertificateAuthority(ca.certFile, ca.keyFile, 'evil-ca');
    issueCertificate(ca, join(scratch, 'forged.crt'), join(scratch, 'forged.key'), {
      commonName: 'skiff-admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const kc = kubeconfigWith('forged', { cert: join(scratch, 'forged.crt'), key: join(scratch, 'forged.key') });
    const r = await cluster.kubectlResult('--kubeconfig', kc, 'get', 'pods');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it('static tokens authenticate; an unknown token is refused', async () => {
    const kc = kubeconfigWith('alice', { token: ALICE_TOKEN });
    const who = JSON.parse(await cluster.kubectl('--kubeconfig', kc, 'auth', 'whoami', '-o', 'json')) as {
      status: { userInfo: { username: string; uid: string; groups: string[] } };
    };
    expect(who.status.userInfo).toMatchObject({ username: 'alice', uid: '1001', groups: ['dev', 'qa', 'system:authenticated'] });
    const bad = await cluster.kubectlResult('--kubeconfig', kubeconfigWith('nobody', { token: 'not-a-token' }), 'get', 'pods');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it('ServiceAccount tokens from kubectl create token authenticate; forged and expired ones are refused', async () => {
    await cluster.kubectl('create', 'serviceaccount', 'builder');
    const token = (await cluster.kubectl('create', 'token', 'builder')).trim();
    const who = JSON.parse(await cluster.kubectl('--kubeconfig', kubeconfigWith('sa', { token }), 'auth', 'whoami', '-o', 'json')) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(who.status.userInfo.username).toBe('system:serviceaccount:default:builder');
    expect(who.status.userInfo.groups).toContain('system:serviceaccounts:default');
    const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await cluster.kubectlResult('--kubeconfig', kubeconfigWith('forged-sa', { token: forged }), 'get', 'pods')).code).not.toBe(0);
    const uid = (await cluster.kubectl('get', 'serviceaccount', 'builder', '-o', 'jsonpath={.metadata.uid}')).trim();
    const expired = ServiceAccountTokenIssuer.fromFile(pki('sa.key')).issue('default', 'builder', uid, -60);
    const r = await cluster.kubectlResult('--kubeconfig', kubeconfigWith('expired-sa', { token: expired }), 'get', 'pods');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unauthorized|must be logged in/);
  });
});

describe('RBAC', () => {
  it('denies with upstream’s message, then allows what a RoleBinding to the aggregated view role grants', async () => {
    const kc = kubeconfigWith('alice-rbac', { token: ALICE_TOKEN });
    const denied = await cluster.kubectlResult('--kubeconfig', kc, 'get', 'pods');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    await cluster.kubectl('create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice');
    await waitFor('the binding to take effect', async () => (await cluster.kubectlResult('--kubeconfig', kc, 'get', 'pods')).code === 0);
    const canI = async (...args: string[]): Promise<string> =>
      (await cluster.kubectlResult('--kubeconfig', kc, 'auth', 'can-i', ...args)).stdout.trim();
    expect(await canI('list', 'pods')).toBe('yes');
    expect(await canI('get', 'pods/log')).toBe('yes');
    expect(await canI('create', 'pods')).toBe('no');
    expect(await canI('list', 'pods', '-n', 'kube-system')).toBe('no');
    expect(await canI('list', 'secrets')).toBe('no');
    // A group binding with resourceNames: only the named configmap.
    await cluster.kubectl('create', 'role', 'one-cm', '--verb=get,update', '--resource=configmaps', '--resource-name=settings');
    await cluster.kubectl('create', 'rolebinding', 'dev-one-cm', '--role=one-cm', '--group=dev');
    await waitFor('the role binding', async () => (await canI('update', 'configmaps/settings')) === 'yes');
    expect(await canI('update', 'configmaps/other')).toBe('no');
    expect(await cluster.kubectl('auth', 'can-i', '*', '*', '--all-namespaces')).toContain('yes');
    // can-i --list is a SelfSubjectRulesReview: the view role's rules and the named configmap rule.
    const list = (await cluster.kubectl('--kubeconfig', kc, 'auth', 'can-i', '--list')).split('\n');
    expect(list.some((l) => /^pods\s/.test(l) && l.includes('list'))).toBe(true);
    expect(list.some((l) => /^configmaps\s/.test(l) && l.includes('[settings]') && l.includes('update'))).toBe(true);
    expect(list.some((l) => /^secrets\s/.test(l))).toBe(false);
  });

  it('TokenReview and SubjectAccessReview answer for others; only a delegator may ask', async () => {
    const manifest = (name: string, body: object): string => {
      const file = join(scratch, `${name}.json`);
      writeFileSync(file, JSON.stringify(body));
      return file;
    };
    const tokenReview = (token: string): string =>
      manifest(`tr-${token.length}`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    type Review = {
      status: { authenticated?: boolean; allowed?: boolean; user?: { username?: string; groups?: string[] }; error?: string };
    };
    const create = async (file: string): Promise<Review> => JSON.parse(await cluster.kubectl('create', '-f', file, '-o', 'json')) as Review;
    const good = await create(tokenReview(ALICE_TOKEN));
    expect(good.status).toMatchObject({ authenticated: true, user: { username: 'alice', groups: ['dev', 'qa', 'system:authenticated'] } });
    const bad = await create(tokenReview('not-a-valid-token-at-all'));
    expect(bad.status.authenticated).toBe(false);
    expect(bad.status.error).toContain('invalid bearer token');
    const sar = (namespace: string): string =>
      manifest(`sar-${namespace}`, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: 'alice', groups: ['dev'], resourceAttributes: { verb: 'list', resource: 'pods', namespace } },
      });
    await waitFor('alice-view from the RBAC test', async () => (await create(sar('default'))).status.allowed === true);
    expect((await create(sar('kube-system'))).status.allowed).toBe(false);
    // Without --validate=false kubectl would first list CRDs, which alice may not (as upstream).
    const aliceCreates = await cluster.kubectlResult(
      '--kubeconfig',
      kubeconfigWith('alice-tr', { token: ALICE_TOKEN }),
      'create',
      '--validate=false',
      '-f',
      tokenReview(ALICE_TOKEN),
    );
    expect(aliceCreates.code).not.toBe(0);
    expect(aliceCreates.stderr).toContain('cannot create resource "tokenreviews" in API group "authentication.k8s.io"');
    expect(await cluster.kubectl('api-resources', '--api-group=authorization.k8s.io', '-o', 'name')).toContain('subjectaccessreviews');
    expect(await cluster.kubectl('explain', 'tokenreview.spec')).toContain('audiences');
  });
});

describe('Node authorizer', () => {
  it('a kubelet reads only what its pods reference and writes only its own node and lease', async () => {
    const node = clientWithCert(`node-${cluster.nodeName}`);
    const admin = cluster.client();
    for (const name of ['used', 'unused']) {
      await admin.create(SECRETS, 'default', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: 'default' },
        data: { k: 'dg==' },
      });
    }
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'uses-secret', namespace: 'default' },
      spec: {
        nodeName: 'some-other-node',
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sleep', '1'],
            env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'used', key: 'k' } } }],
          },
        ],
      },
    };
    await admin.create(PODS, 'default', pod);
    // Bound to another node: nothing for this kubelet.
    expect((await rejection(node.get(SECRETS, 'default', 'used'))).code).toBe(403);
    expect((await rejection(node.get(PODS, 'default', 'uses-secret'))).code).toBe(403);
    await admin.create(PODS, 'default', {
      ...pod,
      metadata: { name: 'mine', namespace: 'default' },
      spec: { ...pod.spec!, nodeName: cluster.nodeName },
    });
    await waitFor(
      'the secret the bound pod uses to be readable',
      async () => (await node.get(SECRETS, 'default', 'used')).metadata?.name === 'used',
    );
    const err = await rejection(node.get(SECRETS, 'default', 'unused'));
    expect(err.code).toBe(403);
    expect(err.message).toContain(`User "system:node:${cluster.nodeName}" cannot get resource "secrets"`);
    expect((await node.get(PODS, 'default', 'mine')).metadata?.name).toBe('mine');
    const lease = (name: string): Lease => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name },
    });
    // The kubelet keeps its own Lease; the node's identity may read and renew it.
    const own = await waitFor('the kubelet to create its Lease', () =>
      node.get<Lease>(LEASES, 'kube-node-lease', cluster.nodeName).catch(() => undefined),
    );
    const renewed = await node.update(LEASES, { ...own, spec: { ...own.spec, renewTime: new Date().toISOString().replace('Z', '000Z') } });
    expect(renewed.metadata?.name).toBe(cluster.nodeName);
    await admin.create(LEASES, 'kube-node-lease', lease('another-node'));
    expect((await rejection(node.get(LEASES, 'kube-node-lease', 'another-node'))).code).toBe(403);
    expect((await rejection(node.update(LEASES, lease('another-node')))).code).toBe(403);
    expect((await rejection(node.list(SECRETS, { namespace: 'default' }))).code).toBe(403);
    await admin.delete(PODS, 'default', 'mine', { gracePeriodSeconds: 0 });
    await admin.delete(PODS, 'default', 'uses-secret', { gracePeriodSeconds: 0 });
  });
});
