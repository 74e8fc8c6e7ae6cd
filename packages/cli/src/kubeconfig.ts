/** Writes the kubeconfigs `skiff up` hands to kubectl and to each component. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Files a kubeconfig embeds: the CA to trust and the user's client certificate and key. */
export interface KubeconfigCredentials {
  caFile: string;
  certFile: string;
  keyFile: string;
}

const b64 = (file: string): string => readFileSync(file).toString('base64');

/** A kubeconfig for one cluster and one user; with credentials, the CA and the client certificate are embedded. */
export function kubeconfigYaml(server: string, credentials?: KubeconfigCredentials, clusterName = 'skiff', userName = 'admin'): string {
  const cluster =
    credentials === undefined
      ? [`    server: ${server}`]
      : [`    server: ${server}`, `    certificate-authority-data: ${b64(credentials.caFile)}`];
  const user =
    credentials === undefined
      ? ['  user: {}']
      : ['  user:', `    client-certificate-data: ${b64(credentials.certFile)}`, `    client-key-data: ${b64(credentials.keyFile)}`];
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${clusterName}`,
    '  cluster:',
    ...cluster,
    'users:',
    `- name: ${userName}`,
    ...user,
    'contexts:',
    `- name: ${clusterName}`,
    '  context:',
    `    cluster: ${clusterName}`,
    `    user: ${userName}`,
    '    namespace: default',
    `current-context: ${clusterName}`,
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, server: string, credentials?: KubeconfigCredentials, userName?: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigYaml(server, credentials, 'skiff', userName), { mode: 0o600 });
}
