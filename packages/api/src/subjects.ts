/**
 * NATS names, in one place. The apiserver publishes every committed change to
 * the events stream on a subject that carries the facts consumers filter on:
 *
 *   skiff.ev.<group>.<resource>.<shard>.<namespace>.<name>
 *
 * `shard` is the node name for pods bound to a node and `_` otherwise, so a
 * kubelet subscribes to `skiff.ev.core.pods.<node>.>` and the server sends it
 * only its own pods. Tokens use the storage key codec.
 */
import { escapeToken, groupToken, unescapeToken } from './keys.js';
import type { ResourceDescriptor } from './resources.js';

/** The JetStream KV bucket that holds every object (one bucket: one revision space). */
export const OBJECTS_BUCKET = 'skiff';
/** The JetStream stream behind the objects bucket. */
export const OBJECTS_STREAM = `KV_${OBJECTS_BUCKET}`;
/** The JetStream stream of published watch events. */
export const EVENTS_STREAM = 'SKIFF_EVENTS';
/** The root of every event subject. */
export const EVENTS_ROOT = 'skiff.ev';
/** Header on each event message: the store revision it reports. */
export const REVISION_HEADER = 'Skiff-Revision';
/** Header on each event message: ADDED, MODIFIED or DELETED. */
export const EVENT_TYPE_HEADER = 'Skiff-Event';

/** The subject of one object's events. */
export function eventSubject(desc: ResourceDescriptor, namespace: string, name: string, shard: string): string {
  return `${EVENTS_ROOT}.${groupToken(desc.group)}.${desc.resource}.${escapeToken(shard)}.${escapeToken(
    desc.namespaced ? namespace : '',
  )}.${escapeToken(name)}`;
}

/** What an informer may filter on. */
export interface EventFilter {
  /** Only objects of this shard (for pods: bound to this node). */
  shard?: string;
  /** Only objects in this namespace. */
  namespace?: string;
}

/** The subject filter for a resource's events, narrowed on the server by shard and namespace. */
export function eventFilterSubject(desc: ResourceDescriptor, filter: EventFilter = {}): string {
  const shard = filter.shard === undefined ? '*' : escapeToken(filter.shard);
  const ns = filter.namespace === undefined || !desc.namespaced ? '*' : escapeToken(filter.namespace);
  return `${EVENTS_ROOT}.${groupToken(desc.group)}.${desc.resource}.${shard}.${ns}.*`;
}

/** The shard token value of an unsharded object. */
export const UNSHARDED = '';

/**
 * The subject root of API requests over NATS (request/reply). A request goes to
 * `skiff.api.request.<user>.<group>...` (each token escaped): the sender's
 * identity is in the subject, and the NATS server Skiff configures lets each
 * identity publish only on its own subject, so the subject is as trustworthy as
 * the server's permissions (see the architecture notes, "the NATS door").
 * A request on the bare root is anonymous.
 */
export const API_REQUEST_SUBJECT = 'skiff.api.request';

/** Who sends requests on a subject: a user and its groups. */
export interface SubjectIdentity {
  readonly name: string;
  readonly groups: readonly string[];
}

/** The subject an identity sends API requests on; the bare root without one. */
export function apiRequestSubject(identity?: SubjectIdentity): string {
  if (identity === undefined) return API_REQUEST_SUBJECT;
  return [API_REQUEST_SUBJECT, escapeToken(identity.name), ...identity.groups.map(escapeToken)].join('.');
}

/** The identity an API request subject names; undefined for the bare root or another subject. */
export function identityOfApiRequestSubject(subject: string): SubjectIdentity | undefined {
  if (!subject.startsWith(`${API_REQUEST_SUBJECT}.`)) return undefined;
  const [name, ...groups] = subject
    .slice(API_REQUEST_SUBJECT.length + 1)
    .split('.')
    .map(unescapeToken);
  return name === undefined || name === '' ? undefined : { name, groups };
}

/**
 * The reply-subject prefix of an identity's NATS connection (`_INBOX.<user>`):
 * its replies and JetStream deliveries arrive under it, and it may subscribe
 * under no other inbox, so one component cannot read another's replies.
 */
export function inboxPrefixOf(identity: SubjectIdentity): string {
  return `_INBOX.${escapeToken(identity.name)}`;
}
