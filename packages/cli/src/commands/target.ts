/** Finding the cluster a client command talks to: `--apiserver`, else the kubeconfig's server. */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

interface KubeconfigShape {
  'current-context'?: string;
  contexts?: Array<{ name: string; context?: { cluster?: string; namespace?: string } }>;
  clusters?: Array<{ name: string; cluster?: { server?: string } }>;
}

/** The apiserver URL and default namespace from a kubeconfig file. */
export function readKubeconfig(path: string): { server: string; namespace: string } {
  if (!existsSync(path)) throw new Error(`no kubeconfig at ${path}: pass --apiserver or --kubeconfig`);
  const doc = parseYaml(readFileSync(path, 'utf8')) as KubeconfigShape;
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']);
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context?.cluster) ?? doc.clusters?.[0];
  const server = cluster?.cluster?.server;
  if (server === undefined) throw new Error(`the kubeconfig at ${path} names no server`);
  return { server, namespace: ctx?.context?.namespace ?? 'default' };
}

/** The default kubeconfig: $KUBECONFIG, else ~/.skiff/kubeconfig. */
export function defaultKubeconfig(): string {
  return process.env['KUBECONFIG'] ?? join(os.homedir(), '.skiff', 'kubeconfig');
}
