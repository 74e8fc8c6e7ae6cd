/** The identity attached to a request once authentication has run. */
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './user.js';

const users = new WeakMap<IncomingMessage, UserInfo>();

/** Records who sent the request (authentication does this once per request). */
export function setRequestUser(req: IncomingMessage, user: UserInfo): void {
  users.set(req, user);
}

/** Who sent the request; undefined before authentication or in the insecure mode. */
export function requestUser(req: IncomingMessage): UserInfo | undefined {
  return users.get(req);
}
