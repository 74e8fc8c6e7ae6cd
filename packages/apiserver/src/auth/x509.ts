/**
 * x509 client-certificate authentication: the TLS layer verifies the chain
 * against the client CA (the server asks for a certificate but does not reject
 * a handshake without one, so token clients connect too); CN is the user, each
 * O a group. A certificate that was presented but does not verify (another CA,
 * expired) is refused with 401, as kube-apiserver does.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ApiError } from '@skiff/api';
import type { UserInfo } from './user.js';

/** A verified identity, none presented, or one presented that does not verify. */
type CertificateOutcome = { kind: 'user'; user: UserInfo } | { kind: 'none' } | { kind: 'invalid'; why: string };

/** Sockets carry one certificate for their lifetime: decode it once per connection. */
const bySocket = new WeakMap<object, CertificateOutcome>();

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function inspect(socket: TLSSocket): CertificateOutcome {
  const peer = socket.getPeerCertificate();
  if (Object.keys(peer).length === 0) return { kind: 'none' };
  if (!socket.authorized) return { kind: 'invalid', why: String(socket.authorizationError) };
  const name = asList(peer.subject.CN)[0] ?? '';
  if (name === '') return { kind: 'invalid', why: 'the certificate has no common name' };
  return { kind: 'user', user: { name, groups: asList(peer.subject.O) } };
}

/**
 * The user of the request's client certificate; undefined when there is none (or
 * the request did not come over TLS); throws 401 when one was presented but is
 * not valid.
 */
export function authenticateClientCertificate(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket | undefined;
  if (socket === undefined || typeof socket.getPeerCertificate !== 'function') return undefined;
  let outcome = bySocket.get(socket);
  if (outcome === undefined) {
    outcome = inspect(socket);
    bySocket.set(socket, outcome);
  }
  if (outcome.kind === 'invalid') throw new ApiError(401, 'Unauthorized', `Unauthorized: x509: ${outcome.why}`);
  return outcome.kind === 'user' ? outcome.user : undefined;
}
