/**
 * Volumes and pod isolation end to end: `skiff up`, real kubectl, real processes, namespaces and mounts.
 * One pod with an emptyDir shared by two containers, a configMap (updated while the pod runs), a secret
 * (tmpfs, 0400), the downward API and a hostPath; its hostname is the pod's name and the host's tree never
 * gets the mount points. After deletion and after the cluster stops: no mounts, processes or cgroups.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
}

function processesMatching(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'stat,pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo') && !l.startsWith('Z'));
}

beforeAll(async () => {
  cluster = await startCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (cluster !== undefined) {
    for (const hierarchy of ['memory', 'cpu', 'pids', ''])
      expect(existsSync(join('/sys/fs/cgroup', hierarchy, cluster.cgroupRoot))).toBe(false);
    expect(mountsUnder(cluster.dataDir)).toEqual([]);
    expect(processesMatching(cluster.dataDir)).toEqual([]);
  }
}, 60_000);

async function apply(name: string, object: unknown): Promise<void> {
  const file = join(cluster.dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(object));
  await cluster.kubectl('apply', '-f', file);
}

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('volumes', () => {
  it('mounts emptyDir, configMap (updated), secret, downward API and hostPath volumes into isolated containers', async () => {
    expect(existsSync('/etc/skiff-e2e-config')).toBe(false);
    const hostDir = join(cluster.dataDir, 'host-data');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'marker'), 'from-the-host\n');
    await apply('cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { greeting: 'hello' } });
    await cluster.kubectl('create', 'secret', 'generic', 'app-secret', '--from-literal=password=s3cret');
    const main = [
      'hostname',
      'echo "pid $$$$"', // $$ is Kubernetes' escape for $
      'echo "config $(cat /etc/skiff-e2e-config/greeting)"',
      'echo "secret $(cat /etc/skiff-e2e-secret/password) $(stat -L -c %a /etc/skiff-e2e-secret/password) $(stat -f -c %T /etc/skiff-e2e-secret)"',
      'echo "labels $(cat /podinfo/labels)"',
      'echo "host $(cat /host/marker)"',
      'until [ -f /cache/note ]; do sleep 0.2; done',
      'echo "shared $(cat /cache/note)"',
      'while :; do echo "greeting=$(cat /etc/skiff-e2e-config/greeting)"; sleep 1; done',
    ].join('; ');
    await apply('pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vol', labels: { app: 'vol' } },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'writer',
            image: 'busybox',
            command: ['sh', '-c', 'echo written-by-writer > /cache/note; exec sleep 3600'],
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
          },
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', main],
            volumeMounts: [
              { name: 'cache', mountPath: '/cache' },
              { name: 'config', mountPath: '/etc/skiff-e2e-config' },
              { name: 'secret', mountPath: '/etc/skiff-e2e-secret' },
              { name: 'podinfo', mountPath: '/podinfo' },
              { name: 'host', mountPath: '/host', readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: 'cache', emptyDir: {} },
          { name: 'config', configMap: { name: 'app-config' } },
          { name: 'secret', secret: { secretName: 'app-secret' } },
          { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
        ],
      },
    });
    await waitFor(
      'vol to be Running',
      async () => (await cluster.kubectl('get', 'pod/vol', '-o', 'jsonpath={.status.phase}')) === 'Running',
      60_000,
    );
    const logs = (): Promise<string> => cluster.kubectl('logs', 'vol', '-c', 'main');
    const first = await waitFor('the report', async () => ((await logs()).includes('greeting=hello') ? await logs() : undefined), 60_000);
    const lines = first.split('\n');
    expect(lines[0]).toBe('vol');
    expect(Number(/^pid (\d+)$/.exec(lines[1] ?? '')?.[1])).toBeLessThan(100);
    expect(lines).toContain('config hello');
    expect(lines).toContain('secret s3cret 400 tmpfs');
    expect(lines).toContain('labels app="vol"');
    expect(lines).toContain('host from-the-host');
    expect(lines).toContain('shared written-by-writer');
    expect(existsSync('/etc/skiff-e2e-config')).toBe(false);
    expect(existsSync('/podinfo')).toBe(false);

    await cluster.kubectl('patch', 'configmap', 'app-config', '-p', '{"data":{"greeting":"bonjour"}}');
    await waitFor('the configMap update inside the container', async () => (await logs()).includes('greeting=bonjour'), 90_000, 1000);

    await cluster.kubectl('delete', 'pod', 'vol', '--wait=false');
    await waitFor('vol to be gone', async () => (await cluster.kubectlResult('get', 'pod/vol')).code !== 0, 60_000);
    await waitFor('no mounts left', () => mountsUnder(cluster.dataDir).length === 0, 20_000);
    expect(readFileSync(join(hostDir, 'marker'), 'utf8')).toBe('from-the-host\n');
  }, 300_000);
});
