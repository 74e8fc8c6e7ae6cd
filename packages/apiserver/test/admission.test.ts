/**
 * The admission plugins against a real apiserver and store: NamespaceLifecycle,
 * ServiceAccount, Priority, LimitRanger, ResourceQuota (messages, status.used,
 * no double spend of the last slot, usage given back on delete) and PodSecurity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t.stop();
});

type Json = Record<string, unknown>;

async function req(method: string, path: string, body?: unknown): Promise<{ code: number; json: Json }> {
  const res = await fetch(`${t.api.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { code: res.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
}

async function namespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  const r = await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  expect(r.code).toBe(201);
}

function pod(name: string, spec: Json = {}, container: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', ...container }], ...spec },
  };
}

const createPod = (ns: string, body: Json): Promise<{ code: number; json: Json }> => req('POST', `/api/v1/namespaces/${ns}/pods`, body);
const specOf = (r: { json: Json }): Json => r.json['spec'] as Json;

/** Polls until `check` holds (generous: the machine is shared). */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const quotaUsed = async (ns: string, name: string): Promise<Record<string, string> | undefined> =>
  ((await req('GET', `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).json['status'] as { used?: Record<string, string> } | undefined)
    ?.used;

describe('admission', () => {
  it('NamespaceLifecycle: 404 for a missing namespace, 403 in a terminating one, the default namespaces stay', async () => {
    const missing = await createPod('nowhere', pod('p'));
    expect(missing.code).toBe(404);
    expect(missing.json['message']).toBe('namespaces "nowhere" not found');
    await namespace('ending');
    await req('POST', '/api/v1/namespaces/ending/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' } });
    await req('DELETE', '/api/v1/namespaces/ending');
    const late = await createPod('ending', pod('late'));
    expect(late.code).toBe(403);
    expect(late.json).toMatchObject({
      reason: 'Forbidden',
      message: 'pods "late" is forbidden: unable to create new content in namespace ending because it is being terminated',
    });
    const del = await req('DELETE', '/api/v1/namespaces/kube-system');
    expect(del.code).toBe(403);
    expect(del.json['message']).toBe('namespaces "kube-system" is forbidden: this namespace may not be deleted');
  });

  it('ServiceAccount and Priority: defaults, built-in and global default classes, unknown class 403', async () => {
    await namespace('prio');
    const plain = await createPod('prio', pod('plain'));
    expect(plain.code).toBe(201);
    expect(specOf(plain)).toMatchObject({ serviceAccountName: 'default', priority: 0 });
    const critical = await createPod('prio', pod('critical', { priorityClassName: 'system-node-critical' }));
    expect(specOf(critical)).toMatchObject({ priority: 2_000_001_000, priorityClassName: 'system-node-critical' });
    const unknown = await createPod('prio', pod('unknown', { priorityClassName: 'nope' }));
    expect(unknown.code).toBe(403);
    expect(unknown.json['message']).toBe('pods "unknown" is forbidden: no PriorityClass with name nope was found');
    const pc = (name: string, value: number, extra: Json = {}): Json => ({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value,
      ...extra,
    });
    expect(
      (
        await req(
          'POST',
          '/apis/scheduling.k8s.io/v1/priorityclasses',
          pc('everyone', 50, { globalDefault: true, preemptionPolicy: 'Never' }),
        )
      ).code,
    ).toBe(201);
    await until(
      () => createPod('prio', pod(`defaulted-${Date.now()}`)),
      (r) => (specOf(r)['priority'] as number) === 50,
    ).then((r) => expect(specOf(r)).toMatchObject({ priorityClassName: 'everyone', preemptionPolicy: 'Never' }));
    const second = await req('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', pc('another', 60, { globalDefault: true }));
    expect(second.code).toBe(403);
    expect(second.json['message']).toBe(
      'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass everyone is already marked as default. Only one default can exist',
    );
    const set = await createPod('prio', pod('preset', { priorityClassName: 'system-node-critical', priority: 7 }));
    expect(set.code).toBe(403);
    expect(set.json['message']).toMatch(/the integer value of priority \(7\) must not be provided in pod spec/);
    expect((await req('DELETE', '/apis/scheduling.k8s.io/v1/priorityclasses/everyone')).code).toBe(200);
  });

  it('LimitRanger: defaults with the annotation, and min/max/ratio violations with upstream messages', async () => {
    await namespace('limited');
    const lr = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'lr' },
      spec: {
        limits: [
          { type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' } },
          { type: 'Pod', max: { memory: '1Gi' } },
        ],
      },
    };
    expect((await req('POST', '/api/v1/namespaces/limited/limitranges', lr)).code).toBe(201);
    const defaulted = await until(
      () => createPod('limited', pod(`d-${Date.now()}`)),
      (r) =>
        r.code === 201 &&
        (specOf(r)['containers'] as Json[])[0]?.['resources'] !== undefined &&
        Object.keys((specOf(r)['containers'] as Json[])[0]?.['resources'] as Json).length > 0,
    );
    const c = (specOf(defaulted)['containers'] as Json[])[0] as Json;
    // The LimitRange's defaultRequest for memory defaults to its default limit.
    expect(c['resources']).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect((defaulted.json['metadata'] as Json)['annotations']).toMatchObject({
      'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c',
    });
    expect((defaulted.json['status'] as Json)['qosClass']).toBe('Burstable');
    const big = await createPod('limited', pod('big', {}, { resources: { limits: { cpu: '2' } } }));
    expect(big.code).toBe(403);
    expect(big.json).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message: 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    });
    const fat = await createPod('limited', pod('fat', {}, { resources: { limits: { memory: '2Gi' } } }));
    expect(fat.json['message']).toBe('pods "fat" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 2Gi');
  });

  it('ResourceQuota: status.used, upstream messages, no double spend of the last slot, usage given back on delete', async () => {
    await namespace('quota');
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { pods: '3', 'count/configmaps': '1' } },
    };
    expect((await req('POST', '/api/v1/namespaces/quota/resourcequotas', quota)).code).toBe(201);
    await until(
      () => quotaUsed('quota', 'q'),
      (u) => u?.['pods'] === '0',
    );
    expect((await createPod('quota', pod('first'))).code).toBe(201);
    // Three more at once for the two slots left: exactly two pass.
    const racing = await Promise.all([1, 2, 3].map((i) => createPod('quota', pod(`racer-${i}`))));
    expect(racing.map((r) => r.code).sort()).toEqual([201, 201, 403]);
    const refused = racing.find((r) => r.code === 403);
    expect(refused?.json['message']).toMatch(
      /^pods "racer-\d" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3$/,
    );
    expect(await quotaUsed('quota', 'q')).toMatchObject({ pods: '3' });
    const cm = (name: string): Json => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    expect((await req('POST', '/api/v1/namespaces/quota/configmaps', cm('one'))).code).toBe(201);
    const two = await req('POST', '/api/v1/namespaces/quota/configmaps', cm('two'));
    expect(two.json['message']).toBe(
      'configmaps "two" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    );
    // A dry run is checked, not charged.
    expect((await req('POST', '/api/v1/namespaces/quota/pods?dryRun=All', pod('dry'))).code).toBe(403);
    expect((await req('DELETE', '/api/v1/namespaces/quota/pods/first')).code).toBe(200);
    await until(
      () => quotaUsed('quota', 'q'),
      (u) => u?.['pods'] === '2',
    );
    expect((await createPod('quota', pod('after-delete'))).code).toBe(201);
    expect(await quotaUsed('quota', 'q')).toMatchObject({ pods: '3', 'count/configmaps': '1' });
  });

  it('ResourceQuota: cpu and memory quotas require requests, and name what exceeds', async () => {
    await namespace('cpuquota');
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute' },
      spec: { hard: { 'requests.cpu': '1', 'limits.memory': '1Gi' } },
    };
    expect((await req('POST', '/api/v1/namespaces/cpuquota/resourcequotas', quota)).code).toBe(201);
    await until(
      () => quotaUsed('cpuquota', 'compute'),
      (u) => u?.['requests.cpu'] === '0',
    );
    const bare = await createPod('cpuquota', pod('bare'));
    expect(bare.json['message']).toBe(
      'pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c',
    );
    const res = (cpu: string, memory: string): Json => ({ resources: { requests: { cpu }, limits: { memory } } });
    expect((await createPod('cpuquota', pod('a', {}, res('600m', '512Mi')))).code).toBe(201);
    const b = await createPod('cpuquota', pod('b', {}, res('600m', '256Mi')));
    expect(b.json['message']).toBe(
      'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
    );
    expect(await quotaUsed('cpuquota', 'compute')).toEqual({ 'limits.memory': '512Mi', 'requests.cpu': '600m' });
  });

  it('ResourceQuota scopes: BestEffort and PriorityClass quotas concern only the pods they match', async () => {
    await namespace('scoped');
    const quota = (name: string, spec: Json): Json => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec });
    await req('POST', '/api/v1/namespaces/scoped/resourcequotas', quota('be', { hard: { pods: '1' }, scopes: ['BestEffort'] }));
    await req(
      'POST',
      '/api/v1/namespaces/scoped/resourcequotas',
      quota('crit', {
        hard: { pods: '0' },
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['system-node-critical'] }] },
      }),
    );
    await until(
      async () => [await quotaUsed('scoped', 'be'), await quotaUsed('scoped', 'crit')],
      ([be, crit]) => be?.['pods'] === '0' && crit?.['pods'] === '0',
    );
    expect((await createPod('scoped', pod('be-1'))).code).toBe(201);
    const second = await createPod('scoped', pod('be-2'));
    expect(second.json['message']).toBe('pods "be-2" is forbidden: exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1');
    expect((await createPod('scoped', pod('burstable', {}, { resources: { requests: { cpu: '10m' } } }))).code).toBe(201);
    const critical = await createPod(
      'scoped',
      pod('crit-1', { priorityClassName: 'system-node-critical' }, { resources: { requests: { cpu: '10m' } } }),
    );
    expect(critical.json['message']).toBe(
      'pods "crit-1" is forbidden: exceeded quota: crit, requested: pods=1, used: pods=0, limited: pods=0',
    );
    expect(await quotaUsed('scoped', 'be')).toEqual({ pods: '1' });
  });

  it('PodSecurity: a baseline namespace refuses privileged pods with upstream messages; restricted asks for more', async () => {
    await namespace('baseline', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const priv = await createPod('baseline', pod('priv', { hostNetwork: true }, { securityContext: { privileged: true } }));
    expect(priv.code).toBe(403);
    expect(priv.json['message']).toBe(
      'pods "priv" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), privileged (container "c" must not set securityContext.privileged=true)',
    );
    const caps = await createPod(
      'baseline',
      pod(
        'caps',
        {},
        { securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN'] } }, ports: [{ containerPort: 80, hostPort: 8080 }] },
      ),
    );
    expect(caps.json['message']).toBe(
      'pods "caps" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add), hostPort (container "c" uses hostPort 8080)',
    );
    expect((await createPod('baseline', pod('fine'))).code).toBe(201);
    await namespace('restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const loose = await createPod('restricted', pod('loose'));
    expect(loose.json['message']).toBe(
      'pods "loose" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    const tight = pod(
      'tight',
      { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
      { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    );
    expect((await createPod('restricted', tight)).code).toBe(201);
  });
});
