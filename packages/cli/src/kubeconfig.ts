/** Writes the kubeconfig `skiff up` hands to kubectl. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A kubeconfig for one cluster and an admin user (no credentials yet: the apiserver serves plain HTTP). */
export function kubeconfigYaml(server: string, clusterName = 'skiff'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${clusterName}`,
    '  cluster:',
    `    server: ${server}`,
    'users:',
    '- name: admin',
    '  user: {}',
    'contexts:',
    `- name: ${clusterName}`,
    '  context:',
    `    cluster: ${clusterName}`,
    '    user: admin',
    '    namespace: default',
    `current-context: ${clusterName}`,
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, server: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigYaml(server), { mode: 0o600 });
}
