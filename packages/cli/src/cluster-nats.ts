/**
 * The NATS server of a `skiff up` cluster: its configuration from the cluster
 * PKI, one user per certificate: the apiserver and the admin unrestricted, the
 * scheduler, the controller-manager and the node's kubelet with their
 * permissions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityOfCertificate } from '@skiff/client';
import { writeNatsServerConfig } from './nats-config.js';
import { controllerManagerUser, kubeletUser, schedulerUser, unrestrictedUser, type NatsUser } from './nats-permissions.js';
import type { CertificatePair, ClusterPki } from './pki/cluster-pki.js';

const identity = (pair: CertificatePair): ReturnType<typeof identityOfCertificate> => identityOfCertificate(readFileSync(pair.certFile));

/** The users of the cluster's NATS server. */
export function clusterNatsUsers(pki: ClusterPki, nodeName: string): NatsUser[] {
  return [
    unrestrictedUser(identity(pki.apiserverNatsClient)),
    unrestrictedUser(identity(pki.admin)),
    schedulerUser(identity(pki.scheduler)),
    controllerManagerUser(identity(pki.controllerManager)),
    kubeletUser(identity(pki.node), nodeName),
  ];
}

/** Writes `<natsDir>/nats.conf` for the cluster (rewritten on every start) and returns its path. */
export function writeClusterNatsConfig(
  natsDir: string,
  pki: ClusterPki,
  options: { host: string; port: number; nodeName: string },
): string {
  return writeNatsServerConfig(join(natsDir, 'nats.conf'), {
    host: options.host,
    port: options.port,
    storeDir: join(natsDir, 'jetstream'),
    tls: { certFile: pki.nats.certFile, keyFile: pki.nats.keyFile, caFile: pki.ca.certFile },
    users: clusterNatsUsers(pki, options.nodeName),
  });
}
