/** Finding the cluster a client command talks to: `--apiserver`, else the kubeconfig's server. */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiClient } from '@skiff/client';
import type { FlagSpec, ParsedFlags } from '../flags.js';

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

/** The flags every client command takes to find its cluster. */
export const TARGET_FLAGS: Record<string, FlagSpec> = {
  apiserver: { type: 'string', help: 'apiserver URL (default: from the kubeconfig)' },
  kubeconfig: { type: 'string', help: 'kubeconfig to read the apiserver from (default $KUBECONFIG or ~/.skiff/kubeconfig)' },
  namespace: { type: 'string', help: 'namespace (default: the kubeconfig context namespace)' },
};

/** An API client for the cluster the flags name, and the namespace to use. */
export function clientFromFlags(flags: ParsedFlags): { client: ApiClient; namespace: string } {
  const target = flags.has('apiserver')
    ? { server: flags.str('apiserver'), namespace: 'default' }
    : readKubeconfig(flags.has('kubeconfig') ? flags.str('kubeconfig') : defaultKubeconfig());
  const client = new ApiClient({ server: target.server, userAgent: 'skiff-cli', retryForMs: 2000 });
  return { client, namespace: flags.has('namespace') ? flags.str('namespace') : target.namespace };
}
