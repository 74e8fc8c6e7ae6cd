/**
 * A component's identity on NATS: the same client certificate it presents to
 * the apiserver. The NATS server Skiff generates maps the certificate's subject
 * to a user with permissions (`verify_and_map`); the connection uses the
 * identity's own reply prefix, the only inbox it may subscribe under.
 */
import { X509Certificate } from 'node:crypto';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { inboxPrefixOf, type SubjectIdentity } from '@skiff/api';
import type { ClientTls } from './api-client.js';

const text = (pem: string | Buffer): string => (typeof pem === 'string' ? pem : pem.toString('utf8'));

/** The user (CN) and groups (each O) of a PEM client certificate, as the apiserver's x509 authentication reads them. */
export function identityOfCertificate(pem: string | Buffer): SubjectIdentity {
  const fields = new X509Certificate(pem).subject.split('\n').map((line) => {
    const at = line.indexOf('=');
    return { key: line.slice(0, at), value: line.slice(at + 1) };
  });
  return {
    name: fields.find((f) => f.key === 'CN')?.value ?? '',
    groups: fields.filter((f) => f.key === 'O').map((f) => f.value),
  };
}

/**
 * Connection options that present `tls.cert` to the NATS server (TLS, the CA to
 * trust, the identity's inbox prefix); none without a client certificate.
 */
export function natsIdentityOptions(tls: ClientTls | undefined): Partial<ConnectionOptions> {
  if (tls?.cert === undefined || tls.key === undefined) return {};
  return {
    tls: { cert: text(tls.cert), key: text(tls.key), ...(tls.ca === undefined ? {} : { ca: text(tls.ca) }) },
    inboxPrefix: inboxPrefixOf(identityOfCertificate(tls.cert)),
  };
}
