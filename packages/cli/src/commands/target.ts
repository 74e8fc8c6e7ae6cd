/** Finding the cluster a command talks to: a kubeconfig's server and credentials, `--apiserver` overriding the server. */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiClient, type ClientTls } from '@skiff/client';
import type { FlagSpec, ParsedFlags } from '../flags.js';

interface KubeconfigShape {
  'current-context'?: string;
  contexts?: Array<{ name: string; context?: { cluster?: string; user?: string; namespace?: string } }>;
  clusters?: Array<{
    name: string;
    cluster?: { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string };
  }>;
  users?: Array<{
    name: string;
    user?: {
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
      token?: string;
    };
  }>;
}

/** What a kubeconfig's current context says about reaching the cluster. */
export interface KubeconfigTarget {
  server: string;
  namespace: string;
  tls?: ClientTls;
  token?: string;
}

/** Inline base64 data, else a file (relative to the kubeconfig's directory). */
function material(base: string, data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data !== undefined) return Buffer.from(data, 'base64');
  if (file !== undefined) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/** The apiserver URL, credentials and default namespace from a kubeconfig file. */
export function readKubeconfig(path: string): KubeconfigTarget {
  if (!existsSync(path)) throw new Error(`no kubeconfig at ${path}: pass --apiserver or --kubeconfig`);
  const doc = parseYaml(readFileSync(path, 'utf8')) as KubeconfigShape;
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']);
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context?.cluster) ?? doc.clusters?.[0];
  const user = doc.users?.find((u) => u.name === ctx?.context?.user)?.user;
  const server = cluster?.cluster?.server;
  if (server === undefined) throw new Error(`the kubeconfig at ${path} names no server`);
  const base = dirname(path);
  const tls: ClientTls = {};
  const ca = material(base, cluster?.cluster?.['certificate-authority-data'], cluster?.cluster?.['certificate-authority']);
  const cert = material(base, user?.['client-certificate-data'], user?.['client-certificate']);
  const key = material(base, user?.['client-key-data'], user?.['client-key']);
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  return {
    server,
    namespace: ctx?.context?.namespace ?? 'default',
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    ...(user?.token === undefined ? {} : { token: user.token }),
  };
}

/** The default kubeconfig: $KUBECONFIG, else ~/.skiff/kubeconfig. */
export function defaultKubeconfig(): string {
  return process.env['KUBECONFIG'] ?? join(os.homedir(), '.skiff', 'kubeconfig');
}

/** The flags every client command takes to find its cluster. */
export const TARGET_FLAGS: Record<string, FlagSpec> = {
  apiserver: { type: 'string', help: 'apiserver URL (default: from the kubeconfig)' },
  kubeconfig: { type: 'string', help: 'kubeconfig with the server and credentials (default $KUBECONFIG or ~/.skiff/kubeconfig)' },
  namespace: { type: 'string', help: 'namespace (default: the kubeconfig context namespace)' },
};

/**
 * The target the flags name: the kubeconfig (when given, or the default one when it
 * exists) for server and credentials, `--apiserver` overriding the server, as kubectl's `--server`.
 */
export function targetFromFlags(flags: ParsedFlags): KubeconfigTarget {
  const path = flags.has('kubeconfig') ? flags.str('kubeconfig') : defaultKubeconfig();
  const fromFile = flags.has('kubeconfig') || !flags.has('apiserver') || existsSync(path) ? readKubeconfig(path) : undefined;
  if (!flags.has('apiserver')) return fromFile as KubeconfigTarget;
  return { ...(fromFile ?? { namespace: 'default' }), server: flags.str('apiserver') };
}

/** An API client for a target. */
export function clientForTarget(target: KubeconfigTarget, userAgent: string, retryForMs?: number): ApiClient {
  return new ApiClient({
    server: target.server,
    userAgent,
    ...(target.tls === undefined ? {} : { tls: target.tls }),
    ...(target.token === undefined ? {} : { token: target.token }),
    ...(retryForMs === undefined ? {} : { retryForMs }),
  });
}

/** An API client for the cluster the flags name, and the namespace to use. */
export function clientFromFlags(flags: ParsedFlags): { client: ApiClient; namespace: string } {
  const target = targetFromFlags(flags);
  const client = clientForTarget(target, 'skiff-cli', 2000);
  return { client, namespace: flags.has('namespace') ? flags.str('namespace') : target.namespace };
}
