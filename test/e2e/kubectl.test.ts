/**
 * kubectl conformance: the commands of ../shared/notes/kubectl-wire.md, run
 * with the real kubectl against a real cluster from `skiff up`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitFor, writeManifest, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const manifest = (name: string, yaml: string): string => writeManifest(cluster, name, yaml);

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
`;

describe('kubectl against skiff', () => {
  it('api-resources and explain', async () => {
    const resources = await cluster.kubectl('api-resources');
    for (const r of ['pods', 'deployments', 'services', 'configmaps', 'leases', 'clusterroles', 'priorityclasses'])
      expect(resources).toContain(r);
    const explain = await cluster.kubectl('explain', 'pods');
    expect(explain).toMatch(/KIND:\s+Pod/);
  });

  it('applies client-side (create then patch), server-side, and prints wide and yaml', async () => {
    const file = manifest('web', DEPLOYMENT);
    expect(await cluster.kubectl('apply', '-f', file)).toContain('deployment.apps/web created');
    expect(await cluster.kubectl('apply', '-f', file)).toContain('deployment.apps/web unchanged');
    writeFileSync(file, DEPLOYMENT.replace('replicas: 2', 'replicas: 3'));
    expect(await cluster.kubectl('apply', '-f', file)).toContain('deployment.apps/web configured');
    expect(await cluster.kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
    const wide = await cluster.kubectl('get', 'deployments', '-o', 'wide');
    expect(wide).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(wide).toMatch(/web\s+\S+\s+\d+\s+\d+\s+\S+\s+main\s+busybox:1\.36\s+app=web/);
    const yaml = await cluster.kubectl('get', 'deploy', 'web', '-o', 'yaml');
    expect(yaml).toContain('kubectl.kubernetes.io/last-applied-configuration');
    const ssa = manifest('cm', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: fast}\n');
    expect(await cluster.kubectl('apply', '--server-side', '-f', ssa)).toMatch(/configmap\/settings serverside-applied/);
    expect(await cluster.kubectl('get', 'cm', 'settings', '-o', 'jsonpath={.data.mode}')).toBe('fast');
  });

  it('scales, labels, annotates and patches', async () => {
    expect(await cluster.kubectl('scale', 'deployment', 'web', '--replicas=5')).toContain('deployment.apps/web scaled');
    expect(await cluster.kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('5');
    await cluster.kubectl('label', 'deploy', 'web', 'tier=frontend');
    await cluster.kubectl('annotate', 'deploy', 'web', 'owner=team-a');
    await cluster.kubectl('patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"minReadySeconds":5}}');
    await cluster.kubectl(
      'patch',
      'deploy',
      'web',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/revisionHistoryLimit","value":3}]',
    );
    const obj = JSON.parse(await cluster.kubectl('get', 'deploy', 'web', '-o', 'json')) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string>; generation: number };
      spec: { minReadySeconds: number; revisionHistoryLimit: number };
    };
    expect(obj.metadata.labels['tier']).toBe('frontend');
    expect(obj.metadata.annotations['owner']).toBe('team-a');
    expect(obj.spec.minReadySeconds).toBe(5);
    expect(obj.spec.revisionHistoryLimit).toBe(3);
    expect(obj.metadata.generation).toBeGreaterThan(1);
    expect(await cluster.kubectl('get', 'deploy', '-l', 'tier=frontend', '-o', 'name')).toContain('deployment.apps/web');
    expect(await cluster.kubectl('get', 'deploy', '-l', 'tier in (backend)', '-o', 'name')).toBe('');
  });

  it('creates from a file, describes a pod with its events, follows logs and deletes with wait', async () => {
    const pod = manifest(
      'ticker',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: ticker}\nspec:\n  containers:\n  - name: main\n    image: busybox\n    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]\n',
    );
    expect(await cluster.kubectl('create', '-f', pod)).toContain('pod/ticker created');
    expect((await cluster.kubectlResult('create', '-f', pod)).stderr).toMatch(/AlreadyExists|already exists/);
    await waitFor(
      'ticker Running',
      async () => (await cluster.kubectl('get', 'pod', 'ticker', '-o', 'jsonpath={.status.phase}')) === 'Running',
      15_000,
    );
    const describe = await cluster.kubectl('describe', 'pod', 'ticker');
    expect(describe).toMatch(/Node:\s+e2e-node/);
    expect(describe).toMatch(/Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/ticker to e2e-node/);
    // logs -f streams until we stop it.
    const follow = spawn('kubectl', ['logs', '-f', 'ticker', '--tail=1'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: join(cluster.dataDir, 'home') },
    });
    let streamed = '';
    follow.stdout.on('data', (c: Buffer) => (streamed += c.toString()));
    await waitFor('three streamed lines', () => streamed.split('\n').filter((l) => l.startsWith('tick')).length >= 3, 10_000);
    follow.kill();
    expect(await cluster.kubectl('delete', 'pod', 'ticker', '--wait=true', '--timeout=60s')).toContain('pod "ticker" deleted');
    expect((await cluster.kubectlResult('get', 'pod', 'ticker')).stderr).toMatch(/NotFound/);
  });

  it('creates with the generators kubectl 1.32 sends as protobuf', async () => {
    expect(await cluster.kubectl('create', 'deployment', 'gen', '--image=busybox:1.36', '--replicas=2', '--', 'sleep', '3600')).toContain(
      'deployment.apps/gen created',
    );
    expect(
      await cluster.kubectl('get', 'deploy', 'gen', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].command}'),
    ).toBe('2 ["sleep","3600"]');
    await cluster.kubectl('create', 'configmap', 'gen-cm', '--from-literal=a=b');
    expect(await cluster.kubectl('get', 'cm', 'gen-cm', '-o', 'jsonpath={.data.a}')).toBe('b');
    await cluster.kubectl('create', 'secret', 'generic', 'gen-secret', '--from-literal=p=q');
    expect(Buffer.from(await cluster.kubectl('get', 'secret', 'gen-secret', '-o', 'jsonpath={.data.p}'), 'base64').toString()).toBe('q');
    await cluster.kubectl('create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080');
    expect(await cluster.kubectl('get', 'svc', 'gen-svc', '-o', 'jsonpath={.spec.ports[0].targetPort}')).toBe('8080');
    await cluster.kubectl('create', 'serviceaccount', 'gen-sa');
    await cluster.kubectl('create', 'role', 'gen-role', '--verb=get', '--resource=pods');
    await cluster.kubectl('create', 'rolebinding', 'gen-rb', '--role=gen-role', '--serviceaccount=default:gen-sa');
    await cluster.kubectl('create', 'priorityclass', 'gen-pc', '--value=1000');
    expect(await cluster.kubectl('get', 'priorityclass', 'gen-pc', '-o', 'jsonpath={.value}')).toBe('1000');
    await cluster.kubectl(
      'delete',
      'deploy/gen',
      'cm/gen-cm',
      'secret/gen-secret',
      'svc/gen-svc',
      'sa/gen-sa',
      'role/gen-role',
      'rolebinding/gen-rb',
      'priorityclass/gen-pc',
    );
  });

  it('watches with get -w', async () => {
    const watch = spawn('kubectl', ['get', 'configmaps', '-w', '--request-timeout=20s'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: join(cluster.dataDir, 'home') },
    });
    let out = '';
    watch.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('the initial list', () => out.includes('settings'), 10_000);
    await cluster.kubectl('apply', '-f', manifest('w', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\ndata: {a: b}\n'));
    await waitFor('the watched event', () => out.includes('watched'), 10_000);
    watch.kill();
  });

  it('deletes a namespace with everything in it', async () => {
    // kubectl 1.32 sends `create namespace` as protobuf.
    expect(await cluster.kubectl('create', 'namespace', 'scratch')).toContain('namespace/scratch created');
    await cluster.kubectl(
      'apply',
      '-n',
      'scratch',
      '-f',
      manifest('c2', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {a: b}\n'),
    );
    await cluster.kubectl(
      'apply',
      '-n',
      'scratch',
      '-f',
      manifest(
        'p2',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: sleeper}\nspec:\n  containers:\n  - name: main\n    image: busybox\n    command: ["sleep", "3600"]\n',
      ),
    );
    await waitFor(
      'the default ServiceAccount',
      async () => (await cluster.kubectlResult('get', 'sa', 'default', '-n', 'scratch')).code === 0,
      10_000,
    );
    expect(await cluster.kubectl('delete', 'namespace', 'scratch', '--timeout=60s')).toContain('namespace "scratch" deleted');
    expect((await cluster.kubectlResult('get', 'namespace', 'scratch')).stderr).toMatch(/NotFound/);
    expect(
      (
        await cluster.kubectlResult(
          'create',
          '-n',
          'scratch',
          '-f',
          manifest('c3', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n'),
        )
      ).code,
    ).not.toBe(0);
  });

  it('cleans up', async () => {
    await cluster.kubectl('delete', 'deployment', 'web');
    await cluster.kubectl('delete', 'configmap', 'settings', 'watched');
    expect(await cluster.kubectl('get', 'deploy', '-o', 'name')).toBe('');
  });
});
