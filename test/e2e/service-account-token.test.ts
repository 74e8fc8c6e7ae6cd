/**
 * ServiceAccount tokens projected into pods, end to end on `skiff up`: the
 * ServiceAccount admission adds upstream's `kube-api-access-*` volume, the
 * controller-manager publishes the cluster CA as `kube-root-ca.crt`, the
 * kubelet requests a bound token through the TokenRequest API (as the node,
 * which the Node authorizer allows for its pods' ServiceAccounts) and writes
 * token, CA and namespace where the container reads them; the token
 * authenticates as the pod's ServiceAccount. `automountServiceAccountToken:
 * false` leaves the pod without it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

async function create(pod: Record<string, unknown>): Promise<void> {
  const file = join(cluster.dataDir, `pod-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod }));
  await cluster.kubectl('create', '-f', file);
}

/** A kubeconfig that trusts the cluster CA and authenticates with the token only. */
function tokenKubeconfig(token: string): string {
  const ca = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt')).toString('base64');
  const file = join(cluster.dataDir, 'sa-token.kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${cluster.apiUrl}", certificate-authority-data: ${ca}}}]`,
      `users: [{name: u, user: {token: ${token}}}]`,
      'contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
  return file;
}

describe('ServiceAccount token projection', () => {
  it('mounts a token, the cluster CA and the namespace; the token authenticates as the ServiceAccount', async () => {
    await waitFor(
      'kube-root-ca.crt in default',
      async () => (await cluster.kubectlResult('get', 'configmap', 'kube-root-ca.crt')).code === 0,
      30_000,
      200,
    );
    await create({
      metadata: { name: 'sa-reader' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', `cat ${MOUNT}/namespace; echo; cat ${MOUNT}/token; echo; head -1 ${MOUNT}/ca.crt; exec sleep 3600`],
          },
        ],
      },
    });
    const pod = JSON.parse(await cluster.kubectl('get', 'pod', 'sa-reader', '-o', 'json')) as Pod;
    const volume = pod.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    expect(volume?.projected?.sources?.map((s) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(pod.spec?.containers[0]?.volumeMounts).toContainEqual({ name: volume?.name, readOnly: true, mountPath: MOUNT });
    expect(pod.spec?.serviceAccountName).toBe('default');
    const lines = await waitFor(
      'the projected files in the log',
      async () => {
        const out = (await cluster.kubectlResult('logs', 'sa-reader')).stdout.split('\n');
        return out.length >= 3 && out[2]?.startsWith('-----BEGIN') === true ? out : undefined;
      },
      30_000,
      250,
    );
    expect(lines[0]).toBe('default');
    const token = lines[1] ?? '';
    expect(token.split('.')).toHaveLength(3);
    const who = JSON.parse(await cluster.kubectl('--kubeconfig', tokenKubeconfig(token), 'auth', 'whoami', '-o', 'json')) as {
      status: { userInfo: { username: string } };
    };
    expect(who.status.userInfo.username).toBe('system:serviceaccount:default:default');
    // The token lives only in the pod's volume; the host path under the kubelet's state is a tmpfs.
    await cluster.kubectl('delete', 'pod', 'sa-reader', '--wait=true', '--timeout=60s');
  });

  it('leaves pods with automountServiceAccountToken: false without it', async () => {
    await create({
      metadata: { name: 'no-token' },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    const pod = JSON.parse(await cluster.kubectl('get', 'pod', 'no-token', '-o', 'json')) as Pod;
    expect(pod.spec?.volumes ?? []).toEqual([]);
    expect(pod.spec?.containers[0]?.volumeMounts).toBeUndefined();
    await cluster.kubectl('delete', 'pod', 'no-token', '--wait=true', '--timeout=60s');
  });
});
