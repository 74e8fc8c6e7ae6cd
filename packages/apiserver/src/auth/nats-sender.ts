/**
 * The sender of a request that arrived over NATS. The NATS responder records
 * the identity named by the request's subject (`skiff.api.request.<user>.<groups>`)
 * when it may trust it: the NATS server Skiff configures authenticates every
 * connection by its client certificate and lets each identity publish only on
 * its own request subject. Authentication reads it like a verified credential.
 */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './user.js';

const senders = new WeakMap<IncomingMessage, UserInfo>();

/** Records who sent a request received over NATS (only the NATS responder calls this). */
export function setNatsSender(req: IncomingMessage, user: UserInfo): void {
  senders.set(req, user);
}

/** The sender of a NATS request; undefined for HTTP requests and anonymous NATS requests. */
export function natsSender(req: IncomingMessage): UserInfo | undefined {
  return senders.get(req);
}
