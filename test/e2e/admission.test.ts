/**
 * Admission and audit on a real cluster from `skiff up`, driven with the real
 * kubectl: ResourceQuota refuses with upstream's message and tracks
 * status.used; LimitRange defaults and bounds; PodSecurity in a labelled
 * namespace; priority from a PriorityClass; an audit log with one event per
 * request and the bodies of the Request and RequestResponse levels.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitFor, writeManifest, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let scratch: string;
let auditLog: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'skiff-admission-'));
  auditLog = join(scratch, 'audit.log');
  const policy = join(scratch, 'policy.yaml');
  writeFileSync(
    policy,
    [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived]',
      'rules:',
      '- level: RequestResponse',
      '  resources: [{group: "", resources: [configmaps]}]',
      '  verbs: [create]',
      '- level: Request',
      '  resources: [{group: "", resources: [pods]}]',
      '  namespaces: [quota]',
      '  verbs: [create]',
      '- level: Metadata',
      '',
    ].join('\n'),
  );
  cluster = await startCluster({ args: ['--audit-log-path', auditLog, '--audit-policy-file', policy] });
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const manifest = (name: string, yaml: string): string => writeManifest(cluster, name, yaml);

const podYaml = (name: string, namespace: string, extra = '', container = ''): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${extra}  containers:
  - name: c
    image: busybox:1.36
    command: ["sleep", "3600"]
${container}`;

/** kubectl that is expected to fail: its stderr. */
async function refused(...args: string[]): Promise<string> {
  const r = await cluster.kubectlResult(...args);
  expect(r.code).not.toBe(0);
  return r.stderr.trim();
}

describe('admission and audit with kubectl', () => {
  it('ResourceQuota: pods beyond the quota are refused with upstream message; status.used counts them', async () => {
    await cluster.kubectl('create', 'namespace', 'quota');
    await cluster.kubectl(
      'apply',
      '-f',
      manifest('quota', 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: quota}\nspec: {hard: {pods: "2"}}\n'),
    );
    await waitFor(
      'the quota counted',
      async () => (await cluster.kubectl('get', 'quota', 'q', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}')) === '0',
      30_000,
    );
    await cluster.kubectl('run', 'p1', '-n', 'quota', '--image=busybox:1.36', '--', 'sleep', '3600');
    await cluster.kubectl('run', 'p2', '-n', 'quota', '--image=busybox:1.36', '--', 'sleep', '3600');
    expect(await refused('run', 'p3', '-n', 'quota', '--image=busybox:1.36', '--', 'sleep', '3600')).toBe(
      'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    );
    expect(await cluster.kubectl('get', 'quota', 'q', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}/{.status.hard.pods}')).toBe('2/2');
    expect(await cluster.kubectl('describe', 'quota', 'q', '-n', 'quota')).toMatch(/pods\s+2\s+2/);
    await cluster.kubectl('delete', 'pod', 'p1', '-n', 'quota', '--grace-period=0', '--force');
    await waitFor(
      'the deleted pod given back',
      async () => (await cluster.kubectl('get', 'quota', 'q', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}')) === '1',
      60_000,
    );
    await cluster.kubectl('run', 'p3', '-n', 'quota', '--image=busybox:1.36', '--', 'sleep', '3600');
  });

  it('LimitRange: defaults requests and limits, refuses a container over the maximum', async () => {
    await cluster.kubectl('create', 'namespace', 'limits');
    await cluster.kubectl(
      'apply',
      '-f',
      manifest(
        'limits',
        'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: limits}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 64Mi}\n    defaultRequest: {cpu: 100m}\n    max: {cpu: "1"}\n',
      ),
    );
    // The LimitRange reaches the apiserver's admission index through its watch cache long before kubectl's next request.
    await cluster.kubectl('run', 'small', '-n', 'limits', '--image=busybox:1.36', '--', 'sleep', '3600');
    expect(await cluster.kubectl('get', 'pod', 'small', '-n', 'limits', '-o', 'jsonpath={.spec.containers[0].resources}')).toBe(
      '{"limits":{"cpu":"500m","memory":"64Mi"},"requests":{"cpu":"100m","memory":"64Mi"}}',
    );
    const big = manifest('big', podYaml('big', 'limits', '', '    resources: {limits: {cpu: "2"}}\n'));
    expect(await refused('apply', '-f', big)).toBe(
      `Error from server (Forbidden): error when creating "${big}": pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2`,
    );
  });

  it('PodSecurity: a namespace labelled baseline refuses a privileged pod', async () => {
    await cluster.kubectl('create', 'namespace', 'secure');
    await cluster.kubectl('label', 'namespace', 'secure', 'pod-security.kubernetes.io/enforce=baseline');
    const priv = manifest('priv', podYaml('priv', 'secure', '', '    securityContext: {privileged: true}\n'));
    expect(await refused('apply', '-f', priv)).toBe(
      `Error from server (Forbidden): error when creating "${priv}": pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`,
    );
    await cluster.kubectl('apply', '-f', manifest('plain', podYaml('plain', 'secure')));
  });

  it('Priority: spec.priority from the PriorityClass; an unknown class is refused', async () => {
    await cluster.kubectl('create', 'priorityclass', 'high', '--value=1000');
    await cluster.kubectl('apply', '-f', manifest('hp', podYaml('hp', 'default', '  priorityClassName: high\n')));
    expect(await cluster.kubectl('get', 'pod', 'hp', '-o', 'jsonpath={.spec.priority}')).toBe('1000');
    expect(await cluster.kubectl('get', 'pc', 'system-node-critical', '-o', 'jsonpath={.value}')).toBe('2000001000');
    const nope = manifest('nope', podYaml('nope', 'default', '  priorityClassName: nope\n'));
    expect(await refused('apply', '-f', nope)).toBe(
      `Error from server (Forbidden): error when creating "${nope}": pods "nope" is forbidden: no PriorityClass with name nope was found`,
    );
  });

  it('the audit log records each request once, with user, verb, resource, code and the bodies its level asks for', async () => {
    await cluster.kubectl('create', 'configmap', 'audited', '--from-literal=k=v');
    const events = await waitFor(
      'the configmap create audited',
      () => {
        const all = readFileSync(auditLog, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return all.some((e) => (e['objectRef'] as { name?: string } | undefined)?.name === 'audited') ? all : undefined;
      },
      30_000,
    );
    const ids = events.map((e) => e['auditID']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.every((e) => e['stage'] === 'ResponseComplete')).toBe(true);
    // (The controller-manager also creates ConfigMaps: kube-root-ca.crt in every namespace.)
    const cm = events.filter(
      (e) =>
        e['verb'] === 'create' &&
        (e['objectRef'] as { resource?: string } | undefined)?.resource === 'configmaps' &&
        (e['objectRef'] as { name?: string } | undefined)?.name === 'audited',
    );
    expect(cm).toHaveLength(1);
    expect(cm[0]).toMatchObject({
      level: 'RequestResponse',
      user: { username: 'skiff-admin' },
      objectRef: { resource: 'configmaps', namespace: 'default', apiGroup: '' },
      responseStatus: { code: 201 },
      requestObject: { kind: 'ConfigMap', metadata: { name: 'audited' }, data: { k: 'v' } },
      responseObject: { kind: 'ConfigMap', metadata: { name: 'audited', namespace: 'default' }, data: { k: 'v' } },
    });
    const quotaRefusal = events.filter(
      (e) =>
        e['verb'] === 'create' &&
        (e['responseStatus'] as { code?: number }).code === 403 &&
        String(e['requestURI']).startsWith('/api/v1/namespaces/quota/pods'),
    );
    expect(quotaRefusal).toHaveLength(1);
    expect(quotaRefusal[0]).toMatchObject({
      level: 'Request',
      user: { username: 'skiff-admin' },
      objectRef: { resource: 'pods', namespace: 'quota' },
      responseStatus: {
        reason: 'Forbidden',
        message: 'pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
      },
      requestObject: { kind: 'Pod', metadata: { name: 'p3' } },
    });
    expect(quotaRefusal[0]?.['responseObject']).toBeUndefined();
    // kubectl apply's GET (404) and the test's GETs (200): Metadata, no bodies.
    const gets = events.filter(
      (e) => e['verb'] === 'get' && (e['objectRef'] as { resource?: string } | undefined)?.resource === 'resourcequotas',
    );
    expect(gets.map((e) => (e['responseStatus'] as { code: number }).code)).toContain(404);
    const get = gets.find((e) => (e['responseStatus'] as { code: number }).code === 200);
    expect(get).toMatchObject({ level: 'Metadata', responseStatus: { code: 200 } });
    expect(get?.['requestObject']).toBeUndefined();
  });
});
