/**
 * The cluster's PKI, made once by `skiff up` and kept in `<data dir>/pki`: the
 * CA, the serving certificates of the apiserver and of nats-server, a client
 * certificate per identity (admin in system:masters, the scheduler, the
 * controller-manager, the node in system:nodes, and the apiserver's own NATS
 * identity), the ServiceAccount token signing key, and a kubeconfig per
 * identity. The client certificates authenticate to the apiserver and to NATS alike. Existing files are kept (a restart reuses them); a missing serving
 * certificate is issued again, so deleting it rotates it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from './openssl.js';

/** A certificate and its key, as file paths. */
export interface CertificatePair {
  certFile: string;
  keyFile: string;
}

/** Every file of the cluster's PKI. */
export interface ClusterPki {
  dir: string;
  ca: CertificatePair;
  apiserver: CertificatePair;
  /** nats-server's serving certificate (same names as the apiserver's). */
  nats: CertificatePair;
  /** The apiserver's client certificate towards NATS (`system:apiserver`). */
  apiserverNatsClient: CertificatePair;
  admin: CertificatePair;
  scheduler: CertificatePair;
  controllerManager: CertificatePair;
  node: CertificatePair;
  /** P-256 private key signing ServiceAccount tokens. */
  serviceAccountKeyFile: string;
}

export interface ClusterPkiOptions {
  /** Host names and addresses the apiserver is reached at (localhost and 127.0.0.1 are always in). */
  hostNames: readonly string[];
  nodeName: string;
}

/** The apiserver's user on NATS (the CN of its NATS client certificate). */
export const APISERVER_NATS_USER = 'system:apiserver';

const pair = (dir: string, name: string): CertificatePair => ({ certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) });

const isIp = (s: string): boolean => /^[0-9.]+$/.test(s) || s.includes(':');

/** Creates what is missing in `<dir>` and returns the paths. */
export function ensureClusterPki(dir: string, options: ClusterPkiOptions): ClusterPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki: ClusterPki = {
    dir,
    ca: pair(dir, 'ca'),
    apiserver: pair(dir, 'apiserver'),
    nats: pair(dir, 'nats'),
    apiserverNatsClient: pair(dir, 'apiserver-nats-client'),
    admin: pair(dir, 'admin'),
    scheduler: pair(dir, 'scheduler'),
    controllerManager: pair(dir, 'controller-manager'),
    node: pair(dir, `node-${options.nodeName}`),
    serviceAccountKeyFile: join(dir, 'sa.key'),
  };
  if (!existsSync(pki.ca.certFile) || !existsSync(pki.ca.keyFile)) createCertificateAuthority(pki.ca.certFile, pki.ca.keyFile, 'skiff-ca');
  const names = [...new Set(['localhost', '127.0.0.1', ...options.hostNames])];
  const issue = (target: CertificatePair, request: Parameters<typeof issueCertificate>[3]): void => {
    if (existsSync(target.certFile) && existsSync(target.keyFile)) return;
    issueCertificate(pki.ca, target.certFile, target.keyFile, request);
  };
  issue(pki.apiserver, {
    commonName: 'skiff-apiserver',
    usage: 'server',
    dnsNames: [...names.filter((n) => !isIp(n)), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: names.filter(isIp),
  });
  issue(pki.nats, { commonName: 'skiff-nats', usage: 'server', dnsNames: names.filter((n) => !isIp(n)), ipAddresses: names.filter(isIp) });
  issue(pki.apiserverNatsClient, { commonName: APISERVER_NATS_USER, usage: 'client' });
  issue(pki.admin, { commonName: 'skiff-admin', organizations: ['system:masters'], usage: 'client' });
  issue(pki.scheduler, { commonName: 'system:kube-scheduler', usage: 'client' });
  issue(pki.controllerManager, { commonName: 'system:kube-controller-manager', usage: 'client' });
  issue(pki.node, { commonName: `system:node:${options.nodeName}`, organizations: ['system:nodes'], usage: 'client' });
  if (!existsSync(pki.serviceAccountKeyFile)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(pki.serviceAccountKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  for (const p of [pki.ca, pki.apiserver, pki.nats, pki.apiserverNatsClient, pki.admin, pki.scheduler, pki.controllerManager, pki.node])
    chmodSync(p.keyFile, 0o600);
  return pki;
}
