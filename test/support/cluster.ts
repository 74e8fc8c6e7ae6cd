/**
 * Test helper: a real one-node cluster from `skiff up` (built CLI), on free
 * ports, in a temporary data directory, with its own cgroup root, driven with
 * the real kubectl. The cluster is secure as `skiff up` makes it (HTTPS, client
 * certificates, RBAC): kubectl uses the generated admin kubeconfig and
 * `client()` builds an ApiClient from it. stop() sends SIGINT like Ctrl-C and checks nothing is left.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { ApiClient, natsIdentityOptions } from '@skiff/client';
import { freePort } from '../../packages/cli/src/nats-server.js';
import { clientForTarget, readKubeconfig } from '../../packages/cli/src/commands/target.js';

const run = promisify(execFile);
export const SKIFF_BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'skiff.js');

export interface TestCluster {
  dataDir: string;
  kubeconfig: string;
  apiUrl: string;
  natsUrl: string;
  cgroupRoot: string;
  nodeName: string;
  ports: { nats: number; api: number; kubelet: number; scheduler: number; controllerManager: number };
  up: ChildProcess;
  /** An API client with the admin credentials of the cluster's kubeconfig (TLS, client certificate). */
  client(userAgent?: string): ApiClient;
  /** Options to connect to the cluster's NATS (TLS) as the admin, with the kubeconfig's certificate. */
  natsOptions(): ConnectionOptions;
  output(): string;
  kubectl(...args: string[]): Promise<string>;
  /** kubectl that resolves with its exit code and output instead of throwing. */
  kubectlResult(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Polls until fn returns a value other than undefined/false, or throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr instanceof Error ? `: ${lastErr.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The cgroup v1 memory directory (or v2 directory) where a cluster's pods live. */
export function cgroupRootDir(root: string): string {
  return existsSync('/sys/fs/cgroup/memory') ? join('/sys/fs/cgroup/memory', root) : join('/sys/fs/cgroup', root);
}

/** The levels of the kubepods tree a pod cgroup can sit in (and the root itself, for pods never placed). */
const POD_PARENTS = ['', 'kubepods', 'kubepods/burstable', 'kubepods/besteffort'];

/** Pod cgroup directories (`pod<uid>`) under the cluster's cgroup root, in any QoS level. */
export function podCgroups(root: string): string[] {
  const dir = cgroupRootDir(root);
  return POD_PARENTS.flatMap((p) => (existsSync(join(dir, p)) ? readdirSync(join(dir, p)).filter((d) => d.startsWith('pod')) : []));
}

/** The directory (memory hierarchy on v1) of a pod's cgroup, wherever its QoS class put it; undefined when there is none. */
export function podCgroupDir(root: string, uid: string): string | undefined {
  const dir = cgroupRootDir(root);
  return POD_PARENTS.map((p) => join(dir, p, `pod${uid}`)).find((d) => existsSync(d));
}

/** Writes a manifest into the cluster's data directory (removed with it) and returns its path. */
export function writeManifest(cluster: Pick<TestCluster, 'dataDir'>, name: string, yaml: string): string {
  const file = join(cluster.dataDir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

export async function startCluster(
  options: { env?: Record<string, string>; /** Extra `skiff up` flags. */ args?: string[] } = {},
): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const home = join(dataDir, 'home');
  mkdirSync(home);
  const ports = {
    nats: await freePort(),
    api: await freePort(),
    kubelet: await freePort(),
    scheduler: await freePort(),
    controllerManager: await freePort(),
  };
  const cgroupRoot = `skiff-e2e-${Math.random().toString(36).slice(2, 8)}`;
  const nodeName = 'e2e-node';
  const up = spawn(
    process.execPath,
    [
      SKIFF_BIN,
      'up',
      '--data-dir',
      dataDir,
      '--nats-port',
      String(ports.nats),
      '--api-port',
      String(ports.api),
      '--kubelet-port',
      String(ports.kubelet),
      '--scheduler-port',
      String(ports.scheduler),
      '--controller-manager-port',
      String(ports.controllerManager),
      '--node-name',
      nodeName,
      '--cgroup-root',
      cgroupRoot,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let out = '';
  up.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  up.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const kubeconfig = join(dataDir, 'kubeconfig');
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: home };
  const kubectlResult = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run('kubectl', args, { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
    }
  };
  const cluster: TestCluster = {
    dataDir,
    kubeconfig,
    apiUrl: `https://127.0.0.1:${ports.api}`,
    natsUrl: `tls://127.0.0.1:${ports.nats}`,
    cgroupRoot,
    nodeName,
    ports,
    up,
    client: (userAgent = 'skiff-e2e') => clientForTarget(readKubeconfig(kubeconfig), userAgent),
    natsOptions: () => ({ servers: `tls://127.0.0.1:${ports.nats}`, ...natsIdentityOptions(readKubeconfig(kubeconfig).tls) }),
    output: () => out,
    kubectl: async (...args) => {
      const r = await kubectlResult(...args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    kubectlResult,
    async stop() {
      if (up.exitCode === null) {
        const exited = new Promise((r) => up.once('exit', r));
        up.kill('SIGINT');
        const timer = setTimeout(() => up.kill('SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      'skiff up to report the cluster up',
      () => out.includes('cluster is up') || (up.exitCode !== null ? Promise.reject(new Error(out)) : false),
      60_000,
    );
    await waitFor('the node to be Ready', async () => (await cluster.kubectl('get', 'nodes')).includes(' Ready '), 30_000, 250);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
