/**
 * @kubernetes/client-node (1.4, the version that loads on Node 20) against
 * Skiff's apiserver: typed CRUD, patch types, a watch, and an informer that
 * survives an apiserver restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { waitFor } from '../support/cluster.js';

let t: TestApi;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

beforeAll(async () => {
  t = await startTestApi();
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'skiff', server: t.api.url, skipTLSVerify: true }],
    users: [{ name: 'admin' }],
    contexts: [{ name: 'skiff', cluster: 'skiff', user: 'admin', namespace: 'default' }],
    currentContext: 'skiff',
  });
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
});
afterAll(async () => {
  await t.stop();
});

const pod = (name: string): k8s.V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'cn' } },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'] }] },
});

describe('@kubernetes/client-node', () => {
  it('does typed CRUD on pods and deployments', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('cn-1') });
    expect(created.metadata?.uid).toBeDefined();
    const read = await core.readNamespacedPod({ name: 'cn-1', namespace: 'default' });
    expect(read.spec?.restartPolicy).toBe('Always');
    const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=cn' });
    expect(list.items.map((p) => p.metadata?.name)).toContain('cn-1');
    read.metadata = { ...read.metadata, labels: { app: 'cn', replaced: 'yes' } };
    const replaced = await core.replaceNamespacedPod({ name: 'cn-1', namespace: 'default', body: read });
    expect(replaced.metadata?.labels?.['replaced']).toBe('yes');
    const dep = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'cn-dep' },
        spec: {
          selector: { matchLabels: { app: 'cn-dep' } },
          template: { metadata: { labels: { app: 'cn-dep' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
    });
    expect(dep.spec?.replicas).toBe(1);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'cn-dep', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(1);
    await apps.deleteNamespacedDeployment({ name: 'cn-dep', namespace: 'default' });
    await expect(apps.readNamespacedDeployment({ name: 'cn-dep', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    const merged = await core.patchNamespacedPod(
      { name: 'cn-1', namespace: 'default', body: { metadata: { annotations: { a: '1' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.annotations?.['a']).toBe('1');
    const json = await core.patchNamespacedPod(
      { name: 'cn-1', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels/j', value: 'p' }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect(json.metadata?.labels?.['j']).toBe('p');
    const smp = await core.patchNamespacedPod(
      { name: 'cn-1', namespace: 'default', body: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.containers[0]?.image).toBe('busybox:2');
    expect(smp.spec?.containers[0]?.command).toEqual(['sleep', '1']);
  });

  it('watches pods', async () => {
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: 'app=cn' },
      (type: string, obj: k8s.V1Pod) => events.push(`${type} ${obj.metadata?.name ?? ''}`),
      () => undefined,
    );
    await waitFor('the initial ADDED', () => events.includes('ADDED cn-1'), 5000);
    await core.createNamespacedPod({ namespace: 'default', body: pod('cn-2') });
    await core.deleteNamespacedPod({ name: 'cn-2', namespace: 'default' });
    await waitFor('ADDED and DELETED of cn-2', () => events.includes('ADDED cn-2') && events.includes('DELETED cn-2'), 5000);
    req.abort();
  });

  it('keeps an informer in step across an apiserver restart', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    const names = (): string[] =>
      informer
        .list()
        .map((p) => p.metadata?.name ?? '')
        .sort();
    informer.on('error', () => {
      // The informer reports the dropped connection; restart it as client-go users do.
      setTimeout(() => void informer.start().catch(() => undefined), 200);
    });
    await informer.start();
    await waitFor('the informer to list cn-1', () => names().includes('cn-1'), 5000);
    await t.restart(async () => {
      // While the apiserver is down nothing can be written through it; the next one serves the same store.
    });
    await core.createNamespacedPod({ namespace: 'default', body: pod('cn-3') });
    await waitFor('the informer to see cn-3 after the restart', () => names().includes('cn-3'), 20_000, 200);
    const server = (await core.listNamespacedPod({ namespace: 'default' })).items.map((p) => p.metadata?.name ?? '').sort();
    await waitFor('informer == server', () => JSON.stringify(names()) === JSON.stringify(server), 10_000);
    await informer.stop();
  });
});
