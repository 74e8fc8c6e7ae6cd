/**
 * The NATS server of a `skiff up` cluster: its configuration from the cluster
 * PKI, one user per certificate: the apiserver and the admin unrestricted, the
 * scheduler, the controller-manager and each node's kubelet (every
 * `node-<name>.crt` in the PKI directory) with their permissions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityOfCertificate } from '@skiff/client';
import { writeNatsServerConfig } from './nats-config.js';
import { controllerManagerUser, kubeletUser, schedulerUser, unrestrictedUser, type NatsUser } from './nats-permissions.js';
import type { CertificatePair, ClusterPki } from './pki/cluster-pki.js';

const identity = (pair: CertificatePair): ReturnType<typeof identityOfCertificate> => identityOfCertificate(readFileSync(pair.certFile));

const NODE_PREFIX = 'system:node:';

/** A kubelet user for each node certificate in the PKI directory (CN `system:node:<name>`, O `system:nodes`). */
function kubeletUsers(pki: ClusterPki): NatsUser[] {
  const users: NatsUser[] = [];
  for (const file of readdirSync(pki.dir).filter((f) => /^node-.+\.crt$/.test(f))) {
    const id = identityOfCertificate(readFileSync(join(pki.dir, file)));
    if (id.name.startsWith(NODE_PREFIX) && id.groups.includes('system:nodes'))
      users.push(kubeletUser(id, id.name.slice(NODE_PREFIX.length)));
  }
  return users;
}

/** The users of the cluster's NATS server. */
export function clusterNatsUsers(pki: ClusterPki): NatsUser[] {
  return [
    unrestrictedUser(identity(pki.apiserverNatsClient)),
    unrestrictedUser(identity(pki.admin)),
    schedulerUser(identity(pki.scheduler)),
    controllerManagerUser(identity(pki.controllerManager)),
    ...kubeletUsers(pki),
  ];
}

/** Writes `<natsDir>/nats.conf` for the cluster (rewritten on every start) and returns its path. */
export function writeClusterNatsConfig(natsDir: string, pki: ClusterPki, options: { host: string; port: number }): string {
  return writeNatsServerConfig(join(natsDir, 'nats.conf'), {
    host: options.host,
    port: options.port,
    storeDir: join(natsDir, 'jetstream'),
    tls: { certFile: pki.nats.certFile, keyFile: pki.nats.keyFile, caFile: pki.ca.certFile },
    users: clusterNatsUsers(pki),
  });
}
