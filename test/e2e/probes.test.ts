/**
 * Probes end to end: `skiff up` (real kubelet with the native probe poller), the real kubectl, real
 * processes and cgroups. Readiness flips READY both ways; a failing liveness probe restarts the container
 * (restartCount, `kubectl describe` events); a startup probe holds liveness back; httpGet and tcpSocket
 * against a real HTTP server in the container; grpc against a gRPC health server and HTTPS against a self-signed server in the container; the node's Lease in kube-node-lease. Nothing is left behind.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../packages/cli/src/nats-server.js';
import { createCertificateAuthority } from '../../packages/cli/src/pki/openssl.js';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
  if (cluster !== undefined) {
    for (const hierarchy of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer', '']) {
      expect(existsSync(join('/sys/fs/cgroup', hierarchy, cluster.cgroupRoot))).toBe(false);
    }
  }
});

async function apply(pod: Record<string, unknown>): Promise<void> {
  const file = join(cluster.dataDir, `m-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod }));
  await cluster.kubectl('apply', '-f', file);
}

/** The READY column of `kubectl get pod`. */
async function readyColumn(name: string): Promise<string> {
  const out = await cluster.kubectl('get', 'pod', name, '--no-headers');
  return out.trim().split(/\s+/)[1] ?? '';
}

const restarts = async (name: string): Promise<number> =>
  Number(await cluster.kubectl('get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'));

describe('probes', () => {
  it('readiness drives READY both ways', async () => {
    const flag = join(cluster.dataDir, 'ready-flag');
    await apply({
      metadata: { name: 'ready' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sleep', '3600'],
            readinessProbe: { exec: { command: ['test', '-f', flag] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    await waitFor('Running', async () => (await cluster.kubectl('get', 'pod', 'ready')).includes('Running'), 20_000, 200);
    expect(await readyColumn('ready')).toBe('0/1');
    writeFileSync(flag, '');
    await waitFor('READY 1/1', async () => (await readyColumn('ready')) === '1/1', 10_000, 200);
    const cond = await cluster.kubectl('get', 'pod', 'ready', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}');
    expect(cond).toBe('True');
    rmSync(flag);
    await waitFor('READY 0/1 again', async () => (await readyColumn('ready')) === '0/1', 10_000, 200);
    expect(await restarts('ready')).toBe(0);
    await cluster.kubectl('delete', 'pod', 'ready', '--timeout=60s');
  });

  it('a failing liveness probe restarts the container, visible in kubectl describe', async () => {
    await apply({
      metadata: { name: 'live' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sleep', '3600'],
            livenessProbe: { exec: { command: ['sh', '-c', 'echo sick; exit 1'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      },
    });
    await waitFor('a restart', async () => (await restarts('live')) >= 1, 20_000, 250);
    const described = await cluster.kubectl('describe', 'pod', 'live');
    expect(described).toMatch(/Unhealthy\s.*Liveness probe failed: sick/);
    expect(described).toMatch(/Killing\s.*Container main failed liveness probe, will be restarted/);
    const metrics = await (await fetch(`http://127.0.0.1:${cluster.ports.kubelet}/metrics/probes`)).text();
    const failed = metrics
      .split('\n')
      .find((l) => l.startsWith('prober_probe_total{') && l.includes('probe_type="Liveness"') && l.includes('result="failed"'));
    expect(failed).toContain('pod="live"');
    await cluster.kubectl('delete', 'pod', 'live', '--timeout=60s');
  });

  it('a startup probe holds liveness back; httpGet and tcpSocket against a real server', async () => {
    const flag = join(cluster.dataDir, 'started-flag');
    const port = await freePort();
    const server = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    await apply({
      metadata: { name: 'web' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'node',
            command: [process.execPath, '-e', server],
            startupProbe: { exec: { command: ['test', '-f', flag] }, periodSeconds: 1, failureThreshold: 60 },
            livenessProbe: { tcpSocket: { port }, periodSeconds: 1 },
            readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1 },
          },
        ],
      },
    });
    await waitFor('Running', async () => (await cluster.kubectl('get', 'pod', 'web')).includes('Running'), 20_000, 200);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await readyColumn('web')).toBe('0/1');
    expect(await cluster.kubectl('get', 'pod', 'web', '-o', 'jsonpath={.status.containerStatuses[0].started}')).toBe('false');
    writeFileSync(flag, '');
    await waitFor('READY 1/1', async () => (await readyColumn('web')) === '1/1', 10_000, 200);
    expect(await restarts('web')).toBe(0);
    await cluster.kubectl('delete', 'pod', 'web', '--timeout=60s');
  });

  it('grpc readiness probes against a gRPC health server in the container: SERVING ready, NOT_SERVING not', async () => {
    const port = await freePort();
    // A minimal grpc.health.v1.Health/Check server on node:http2: service 'sick' is NOT_SERVING, others SERVING.
    const server = [
      `require('http2').createServer().on('stream', (s) => {`,
      `  const c = []; s.on('data', (d) => c.push(d)); s.on('end', () => {`,
      `    const b = Buffer.concat(c); const svc = b[5] === 10 ? b.subarray(7, 7 + b[6]).toString() : '';`,
      `    s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });`,
      `    s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));`,
      `    s.end(Buffer.from([0, 0, 0, 0, 2, 8, svc === 'sick' ? 2 : 1]));`,
      `  });`,
      `}).listen(${port}, '127.0.0.1')`,
    ].join('\n');
    await apply({
      metadata: { name: 'grpc' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'node',
            command: [process.execPath, '-e', server],
            readinessProbe: { grpc: { port }, periodSeconds: 1 },
          },
          {
            name: 'sick',
            image: 'busybox',
            command: ['sleep', '3600'],
            readinessProbe: { grpc: { port, service: 'sick' }, periodSeconds: 1, initialDelaySeconds: 1 },
          },
        ],
      },
    });
    const ready = async (container: string): Promise<string> =>
      cluster.kubectl('get', 'pod', 'grpc', '-o', `jsonpath={.status.containerStatuses[?(@.name=="${container}")].ready}`);
    await waitFor('main ready', async () => (await ready('main')) === 'true', 20_000, 200);
    await waitFor(
      'an Unhealthy event for sick',
      async () =>
        (await cluster.kubectl('describe', 'pod', 'grpc')).includes(
          'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")',
        ),
      20_000,
      250,
    );
    expect(await ready('sick')).toBe('false');
    expect(await readyColumn('grpc')).toBe('1/2');
    // The apiserver defaults grpc.service to '' (kubectl describe prints it, and would crash on a nil one).
    expect(await cluster.kubectl('describe', 'pod', 'grpc')).toMatch(new RegExp(`Readiness:\\s+grpc <pod>:${port} \\s*delay`));
    await cluster.kubectl('delete', 'pod', 'grpc', '--timeout=60s');
  });

  it('httpGet with scheme HTTPS against a self-signed server in the container', async () => {
    const port = await freePort();
    const cert = join(cluster.dataDir, 'probe-tls-cert.pem');
    const key = join(cluster.dataDir, 'probe-tls-key.pem');
    createCertificateAuthority(cert, key, 'skiff-probe-e2e', 1);
    const fs = `require('fs')`;
    const server = `require('https').createServer({ cert: ${fs}.readFileSync('${cert}'), key: ${fs}.readFileSync('${key}') }, (q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    await apply({
      metadata: { name: 'tls' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'node',
            command: [process.execPath, '-e', server],
            readinessProbe: { httpGet: { path: '/healthz', port, scheme: 'HTTPS' }, periodSeconds: 1 },
          },
        ],
      },
    });
    await waitFor('READY 1/1', async () => (await readyColumn('tls')) === '1/1', 20_000, 200);
    await cluster.kubectl('delete', 'pod', 'tls', '--timeout=60s');
  });

  it('the kubelet renews its Lease in kube-node-lease', async () => {
    const lease = JSON.parse(await cluster.kubectl('get', 'lease', '-n', 'kube-node-lease', cluster.nodeName, '-o', 'json')) as {
      spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
      metadata: { ownerReferences?: Array<{ kind: string; name: string }> };
    };
    expect(lease.spec.holderIdentity).toBe(cluster.nodeName);
    expect(lease.spec.leaseDurationSeconds).toBe(40);
    expect(Date.now() - Date.parse(lease.spec.renewTime)).toBeLessThan(15_000);
  });
});
