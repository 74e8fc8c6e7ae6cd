/**
 * The nats-server configuration `skiff up` writes to `<data dir>/nats/nats.conf`:
 * TLS on every client connection with the cluster's serving certificate, and
 * client certificates required and mapped to users (`verify_and_map`: the
 * certificate's subject, `CN=<user>,O=<group>`, is the user name), each with
 * the permissions of `nats-permissions.ts`. Chosen over passwords or nkeys:
 * the cluster PKI already gives every component a certificate (its
 * kubeconfig's), so NATS needs no second secret per component, and the NATS
 * identity is the Kubernetes identity the apiserver authorizes.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SubjectIdentity } from '@skiff/api';
import type { NatsUser } from './nats-permissions.js';

export interface NatsServerConfig {
  host: string;
  port: number;
  /** JetStream's store directory. */
  storeDir: string;
  tls: { certFile: string; keyFile: string; caFile: string };
  users: readonly NatsUser[];
}

/** Escapes an RFC 2253 attribute value (as the server prints subjects). */
function dnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`);
}

/**
 * The user name nats-server maps a client certificate to: its subject in RFC
 * 2253 order (the last RDN first), for certificates issued as
 * `/O=<group>.../CN=<user>` (the cluster PKI's).
 */
export function certificateUserName(identity: SubjectIdentity): string {
  return [`CN=${dnValue(identity.name)}`, ...[...identity.groups].reverse().map((g) => `O=${dnValue(g)}`)].join(',');
}

/** The configuration text (JSON, which nats-server's configuration format accepts). */
export function natsServerConfigText(config: NatsServerConfig): string {
  const users = config.users.map((u) => ({
    user: certificateUserName(u.identity),
    ...(u.permissions === undefined
      ? {}
      : { permissions: { publish: { allow: u.permissions.publish }, subscribe: { allow: u.permissions.subscribe } } }),
  }));
  const text = {
    listen: `${config.host}:${config.port}`,
    jetstream: { store_dir: config.storeDir },
    tls: {
      cert_file: config.tls.certFile,
      key_file: config.tls.keyFile,
      ca_file: config.tls.caFile,
      verify_and_map: true,
      timeout: 5,
    },
    authorization: { users },
  };
  return `${JSON.stringify(text, null, 2)}\n`;
}

/** Writes the configuration (mode 0600) and returns its path. */
export function writeNatsServerConfig(path: string, config: NatsServerConfig): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, natsServerConfigText(config), { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
