/**
 * `skiff up`: a one-node cluster in the foreground: nats-server with
 * JetStream, the apiserver, scheduler, controller-manager and a kubelet for
 * this machine, each its own process; writes `<data dir>/kubeconfig`; Ctrl-C
 * stops everything (pods included) and leaves nothing running.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { ApiClient } from '@skiff/client';
import { CgroupManager, detectCgroupLayout, mountPointsUnder, unmount } from '@skiff/kubelet';
import { writeClusterNatsConfig } from '../cluster-nats.js';
import { isPortOpen, startNatsServer } from '../nats-server.js';
import { writeKubeconfig } from '../kubeconfig.js';
import { ensureClusterPki, type CertificatePair } from '../pki/cluster-pki.js';
import { parseFlags, untilSignal, type CommandSpec } from '../flags.js';
import { Supervisor } from '../supervisor.js';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function waitReady(client: ApiClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await client.getText('/readyz')) === 'ok') return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${client.server}/readyz did not become ready within ${timeoutMs / 1000} s`);
}

export const upCommand: CommandSpec = {
  name: 'up',
  summary: 'Run a one-node cluster on this machine in the foreground (Ctrl-C stops it)',
  flags: {
    'data-dir': {
      type: 'string',
      default: join(os.homedir(), '.skiff'),
      help: 'where NATS data, logs, kubelet state and the kubeconfig go',
    },
    host: { type: 'string', default: '127.0.0.1', help: 'address every component listens on' },
    'nats-port': { type: 'string', default: '4222', help: 'NATS client port' },
    'nats-monitor-port': { type: 'string', default: '0', help: "nats-server's HTTP monitoring port (-m; 0: a free port)" },
    'api-port': { type: 'string', default: '6443', help: 'apiserver port' },
    'kubelet-port': { type: 'string', default: '10250', help: 'kubelet port' },
    'pod-max-pids': { type: 'string', default: '-1', help: "the kubelet's --pod-max-pids (-1: unlimited)" },
    'scheduler-port': { type: 'string', default: '10259', help: 'scheduler metrics port' },
    'controller-manager-port': { type: 'string', default: '10257', help: 'controller-manager metrics port' },
    'node-name': { type: 'string', default: os.hostname().toLowerCase(), help: 'name of this node' },
    'cgroup-root': { type: 'string', default: 'skiff', help: 'cgroup under which pods are placed' },
    'kubelet-extra-args': {
      type: 'string',
      default: '',
      help: 'more kubelet flags, space-separated: --kubelet-extra-args="--eviction-hard=memory.available<500Mi --system-reserved-memory=1Gi"',
    },
    'token-auth-file': {
      type: 'string',
      default: '',
      help: 'static bearer tokens for the apiserver (CSV: token,user,uid,"group1,group2")',
    },
    'audit-log-path': { type: 'string', default: '', help: "the apiserver's audit log (JSON lines); none by default" },
    'audit-policy-file': { type: 'string', default: '', help: 'audit.k8s.io/v1 Policy for that log (default: every request at Metadata)' },
  },
  async run(argv) {
    const flags = parseFlags(upCommand, argv);
    const dataDir = resolve(flags.str('data-dir'));
    const host = flags.str('host');
    const ports: Array<[string, string]> = [
      ['NATS', 'nats-port'],
      ['apiserver', 'api-port'],
      ['kubelet', 'kubelet-port'],
      ['scheduler', 'scheduler-port'],
      ['controller-manager', 'controller-manager-port'],
    ];
    for (const [what, flag] of ports) {
      const port = Number(flags.str(flag));
      if (await isPortOpen(host, port))
        throw new Error(`port ${port} on ${host} is already in use (${what}): stop what holds it or pass --${flag}`);
    }
    mkdirSync(dataDir, { recursive: true });
    const logDir = join(dataDir, 'logs');
    const natsDir = join(dataDir, 'nats');
    // Static pod manifests: the kubelet runs what is put here and mirrors it in the API.
    const manifestDir = join(dataDir, 'manifests');
    mkdirSync(manifestDir, { recursive: true });
    const apiUrl = `https://${host}:${flags.str('api-port')}`;
    const nodeName = flags.str('node-name');
    const pki = ensureClusterPki(join(dataDir, 'pki'), { hostNames: [host, os.hostname()], nodeName });
    const natsPort = Number(flags.str('nats-port'));
    const nats = await startNatsServer({
      dataDir: natsDir,
      host,
      port: natsPort,
      monitorPort: Number(flags.str('nats-monitor-port')),
      configFile: writeClusterNatsConfig(natsDir, pki, { host, port: natsPort }),
      tls: true,
    });
    const natsUrl = nats.url;
    writeFileSync(join(natsDir, 'monitor-url'), `${nats.monitorUrl ?? ''}\n`);
    const componentKubeconfig = (name: string, identity: CertificatePair): string => {
      const path = join(dataDir, 'pki', `${name}.kubeconfig`);
      writeKubeconfig(path, apiUrl, { caFile: pki.ca.certFile, ...identity }, name);
      return path;
    };
    const bin = fileURLToPath(new URL('../../bin/skiff.js', import.meta.url));
    if (!existsSync(bin)) throw new Error(`cannot find the skiff executable at ${bin}`);
    const supervisor = new Supervisor({ bin, logDir, onEvent: (m) => say(`skiff: ${m}`) });
    const shutdown = async (): Promise<void> => {
      say('skiff: stopping (pods, kubelet, scheduler, controller-manager, apiserver, NATS)...');
      await supervisor.stop(['kubelet', 'scheduler', 'controller-manager', 'apiserver'], 20_000);
      // The kubelet stops its pods; if it was down at that moment (crashed, restarting), sweep what is left.
      await new CgroupManager(detectCgroupLayout(), { rootName: flags.str('cgroup-root') })
        .removeRoot({ kill: true })
        .catch((err: unknown) => say(`skiff: could not remove the cgroup root: ${err instanceof Error ? err.message : String(err)}`));
      // And the pod volume mounts (tmpfs) it may have left, deepest first.
      for (const m of mountPointsUnder(join(dataDir, 'kubelet')).sort((a, b) => b.length - a.length)) {
        try {
          unmount(m);
        } catch (err) {
          say(`skiff: could not unmount ${m}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      await nats.stop();
      say('skiff: stopped');
    };
    try {
      supervisor.start({
        name: 'apiserver',
        args: [
          'apiserver',
          '--nats',
          natsUrl,
          '--host',
          host,
          '--port',
          flags.str('api-port'),
          '--tls-cert-file',
          pki.apiserver.certFile,
          '--tls-private-key-file',
          pki.apiserver.keyFile,
          '--client-ca-file',
          pki.ca.certFile,
          '--service-account-key-file',
          pki.serviceAccountKeyFile,
          '--nats-ca-file',
          pki.ca.certFile,
          '--nats-cert-file',
          pki.apiserverNatsClient.certFile,
          '--nats-key-file',
          pki.apiserverNatsClient.keyFile,
          ...(flags.str('token-auth-file') === '' ? [] : ['--token-auth-file', resolve(flags.str('token-auth-file'))]),
          ...(flags.str('audit-log-path') === '' ? [] : ['--audit-log-path', resolve(flags.str('audit-log-path'))]),
          ...(flags.str('audit-policy-file') === '' ? [] : ['--audit-policy-file', resolve(flags.str('audit-policy-file'))]),
        ],
      });
      await waitReady(new ApiClient({ server: apiUrl, tls: { ca: readFileSync(pki.ca.certFile) } }), 30_000);
      const common = ['--nats', natsUrl, '--apiserver', apiUrl];
      supervisor.start({
        name: 'scheduler',
        args: [
          'scheduler',
          ...common,
          '--kubeconfig',
          componentKubeconfig('system:kube-scheduler', pki.scheduler),
          '--host',
          host,
          '--port',
          flags.str('scheduler-port'),
        ],
      });
      supervisor.start({
        name: 'controller-manager',
        args: [
          'controller-manager',
          ...common,
          '--kubeconfig',
          componentKubeconfig('system:kube-controller-manager', pki.controllerManager),
          '--host',
          host,
          '--port',
          flags.str('controller-manager-port'),
          '--root-ca-file',
          pki.ca.certFile,
        ],
      });
      supervisor.start({
        name: 'kubelet',
        args: [
          'kubelet',
          ...common,
          '--kubeconfig',
          componentKubeconfig(`system:node:${nodeName}`, pki.node),
          '--host',
          host,
          '--node-ip',
          host,
          '--port',
          flags.str('kubelet-port'),
          '--node-name',
          flags.str('node-name'),
          '--root-dir',
          join(dataDir, 'kubelet'),
          '--cgroup-root',
          flags.str('cgroup-root'),
          '--stop-pods-on-exit',
          // `=`: a value like -1 would otherwise read as a flag.
          `--pod-max-pids=${flags.str('pod-max-pids')}`,
          '--pod-manifest-path',
          manifestDir,
          ...flags
            .str('kubelet-extra-args')
            .split(/\s+/)
            .filter((a) => a !== ''),
        ],
      });
      const kubeconfig = join(dataDir, 'kubeconfig');
      writeKubeconfig(kubeconfig, apiUrl, { caFile: pki.ca.certFile, ...pki.admin });
      say(`skiff: cluster is up (NATS ${natsUrl}, apiserver ${apiUrl}, node ${flags.str('node-name')})`);
      say(`skiff: NATS monitoring at ${nats.monitorUrl ?? ''} (also in ${join(natsDir, 'monitor-url')})`);
      say(`skiff: logs in ${logDir}`);
      say('skiff: use it with:');
      say(`  export KUBECONFIG=${kubeconfig}`);
      say('  kubectl get nodes');
      say('skiff: press Ctrl-C to stop the cluster');
    } catch (err) {
      await shutdown();
      throw err;
    }
    await untilSignal();
    await shutdown();
    return 0;
  },
};
