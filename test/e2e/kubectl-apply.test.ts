/**
 * Server-side apply, field validation and explain with the real kubectl
 * against a real cluster from `skiff up`.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, writeManifest, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
const manifest = (name: string, yaml: string): string => writeManifest(cluster, name, yaml);

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const deployment = (replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]
`;

const configMap = (data: string, labels = ''): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n${labels}data:\n${data}`;

describe('kubectl apply --server-side', () => {
  it('creates, updates, and removes the fields it no longer applies; two managers keep their own fields', async () => {
    const file = manifest('cm', configMap('  a: "1"\n  b: "2"\n'));
    expect(await cluster.kubectl('apply', '--server-side', '-f', file)).toContain('configmap/settings serverside-applied');
    const labels = manifest('cm-labels', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {team: a}\n');
    await cluster.kubectl('apply', '--server-side', '--field-manager=labeller', '-f', labels);
    writeFileSync(file, configMap('  a: "10"\n'));
    await cluster.kubectl('apply', '--server-side', '-f', file);
    expect(await cluster.kubectl('get', 'cm', 'settings', '-o', 'jsonpath={.data}')).toBe('{"a":"10"}');
    expect(await cluster.kubectl('get', 'cm', 'settings', '-o', 'jsonpath={.metadata.labels.team}')).toBe('a');
    const shown = await cluster.kubectl('get', 'cm', 'settings', '-o', 'yaml', '--show-managed-fields');
    expect(shown).toMatch(/manager: labeller\s+operation: Apply/);
    expect(shown).toMatch(/manager: kubectl\s+operation: Apply/);
    expect(shown).toContain('f:a: {}');
    expect(shown).not.toContain('f:b: {}');
    expect(await cluster.kubectl('get', 'cm', 'settings', '-o', 'yaml')).not.toContain('managedFields');
  });

  it('conflicts with the client-side applier, takes over with --force-conflicts, and migrates client-side apply', async () => {
    const file = manifest('ssa', deployment(2));
    expect(await cluster.kubectl('apply', '-f', file)).toContain('deployment.apps/ssa created');
    const other = manifest('ssa-3', deployment(3));
    const conflict = await cluster.kubectlResult('apply', '--server-side', '--field-manager=ops', '-f', other);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect(await cluster.kubectl('get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
    await cluster.kubectl('apply', '--server-side', '--field-manager=ops', '--force-conflicts', '-f', other);
    expect(await cluster.kubectl('get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
    // kubectl's own server-side apply of the client-side-applied object moves ownership to "kubectl".
    const back = await cluster.kubectlResult('apply', '--server-side', '-f', file);
    expect(back.stderr).toContain('conflict with "ops": .spec.replicas');
    await cluster.kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
    const shown = await cluster.kubectl('get', 'deploy', 'ssa', '-o', 'yaml', '--show-managed-fields');
    expect(shown).toMatch(/manager: kubectl\s+operation: Apply/);
    expect(shown).not.toContain('manager: kubectl-client-side-apply');
    expect(await cluster.kubectl('get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
  });
});

describe('field validation and explain', () => {
  const pod = (name: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  foo: bar
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
`;

  it('apply --validate=strict rejects an unknown field; create --validate=warn warns and drops it', async () => {
    const strict = await cluster.kubectlResult('apply', '--validate=strict', '-f', manifest('strict', pod('strict')));
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.foo"');
    expect((await cluster.kubectlResult('get', 'pod', 'strict')).code).not.toBe(0);
    const warn = await cluster.kubectlResult('create', '--validate=warn', '-f', manifest('warn', pod('warn')));
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('Warning: unknown field "spec.foo"');
    expect(await cluster.kubectl('get', 'pod', 'warn', '-o', 'jsonpath={.spec.foo}')).toBe('');
    await cluster.kubectl('delete', 'pod', 'warn', '--wait=false');
  });

  it('create with default validation: reviews are checked on the client against /openapi/v2, a pod by the server', async () => {
    // A review has no PATCH operation, so kubectl cannot ask the server to validate it and checks the
    // object itself against the /openapi/v2 schemas (fetched as protobuf).
    const tokenReview = (spec: string): string => `apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec: {${spec}}\n`;
    const reviewed = JSON.parse(await cluster.kubectl('create', '-f', manifest('tr', tokenReview('token: not-a-token')), '-o', 'json')) as {
      status: { authenticated?: boolean };
    };
    expect(reviewed.status.authenticated).toBe(false);
    const sar = `apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec:
  user: nobody
  resourceAttributes: {verb: get, resource: secrets, namespace: default}
`;
    const access = JSON.parse(await cluster.kubectl('create', '-f', manifest('sar', sar), '-o', 'json')) as {
      status: { allowed: boolean };
    };
    expect(access.status.allowed).toBe(false);
    const others = {
      lsar: 'kind: LocalSubjectAccessReview\nmetadata: {namespace: default}\nspec: {user: nobody, resourceAttributes: {verb: get, resource: pods, namespace: default}}',
      ssar: 'kind: SelfSubjectAccessReview\nspec: {resourceAttributes: {verb: get, resource: pods}}',
      ssrr: 'kind: SelfSubjectRulesReview\nspec: {namespace: default}',
    };
    for (const [name, body] of Object.entries(others)) {
      const created = await cluster.kubectl('create', '-f', manifest(name, `apiVersion: authorization.k8s.io/v1\n${body}\n`), '-o', 'json');
      expect(JSON.parse(created) as object, name).toHaveProperty('status');
    }
    const whoami = 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n';
    expect(JSON.parse(await cluster.kubectl('create', '-f', manifest('ssr', whoami), '-o', 'json')) as object).toHaveProperty(
      'status.userInfo',
    );
    const unknown = await cluster.kubectlResult('create', '-f', manifest('tr-unknown', tokenReview('token: t, foo: bar')));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field "foo" in io.k8s.api.authentication.v1.TokenReviewSpec');
    expect(unknown.stderr).toContain('turn validation off with --validate=false');
    const wrongType = await cluster.kubectlResult('create', '-f', manifest('tr-type', tokenReview('token: t, audiences: a')));
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.stderr).toContain('ValidationError(TokenReview.spec.audiences)');
    const strict = await cluster.kubectlResult('create', '-f', manifest('create-strict', pod('create-strict')));
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.foo"');
    // Client-side apply still goes by /openapi/v3.
    const cm = manifest('cm-csa', configMap('  a: "1"\n').replace('settings', 'csa'));
    expect(await cluster.kubectl('apply', '-f', cm)).toContain('configmap/csa created');
    writeFileSync(cm, configMap('  a: "2"\n').replace('settings', 'csa'));
    expect(await cluster.kubectl('apply', '-f', cm)).toContain('configmap/csa configured');
  });

  it('explains fields with their documentation', async () => {
    const resources = await cluster.kubectl('explain', 'pod.spec.containers.resources');
    expect(resources).toMatch(/KIND:\s+Pod/);
    expect(resources).toMatch(/FIELD:\s+resources <ResourceRequirements>/);
    expect(resources).toContain('ResourceRequirements describes the compute resource requirements.');
    expect(resources).toMatch(/limits\s+<map\[string\]/);
    const containers = await cluster.kubectl('explain', 'pods.spec.containers');
    expect(containers).toMatch(/image\s+<string>/);
    expect(containers).toContain('Container image name.');
  });
});
