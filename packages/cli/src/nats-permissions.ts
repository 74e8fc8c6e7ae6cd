/**
 * Who may do what on NATS, per identity of the cluster (see the architecture
 * notes, "Security: the NATS door"). Every component but the apiserver follows
 * objects with informers only, and an informer needs little: JetStream's API
 * to read the events stream's bounds and to make, pull from and delete an
 * ordered consumer, its own reply inbox, and its own API request subject.
 * What an identity may see is set by the filter subjects it may create
 * consumers with: nats-server (2.9+) takes the filter in the create subject
 * (`$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`) and refuses a request
 * whose body asks for another filter, so publish permissions on that subject
 * bound what the consumer delivers. No component but the apiserver may touch
 * the objects bucket (`$KV.skiff.>`, `KV_skiff`) or subscribe to event subjects directly.
 */
import { apiRequestSubject, EVENTS_ROOT, EVENTS_STREAM, eventFilterSubject, inboxPrefixOf, PODS, type SubjectIdentity } from '@skiff/api';
import { SCHEDULER_WATCHED_RESOURCES } from '@skiff/scheduler';

/** Subjects an identity may publish to and subscribe to (nats-server's `allow` lists). */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/** One user of the generated NATS configuration. */
export interface NatsUser {
  identity: SubjectIdentity;
  /** Undefined: everything (the apiserver and the cluster admin). */
  permissions?: NatsPermissions;
}

/** What a component that follows objects through informers needs, with consumers limited to `eventFilters`. */
export function informerPermissions(identity: SubjectIdentity, eventFilters: readonly string[]): NatsPermissions {
  const api = `$JS.API.CONSUMER`;
  return {
    publish: [
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.${EVENTS_STREAM}`,
      ...eventFilters.map((filter) => `${api}.CREATE.${EVENTS_STREAM}.*.${filter}`),
      `${api}.MSG.NEXT.${EVENTS_STREAM}.*`,
      `${api}.INFO.${EVENTS_STREAM}.*`,
      `${api}.DELETE.${EVENTS_STREAM}.*`,
      apiRequestSubject(identity),
    ],
    subscribe: [`${inboxPrefixOf(identity)}.>`],
  };
}

/** A kubelet: consumers of its own node's pods only. */
export function kubeletUser(identity: SubjectIdentity, nodeName: string): NatsUser {
  return { identity, permissions: informerPermissions(identity, [eventFilterSubject(PODS, { shard: nodeName })]) };
}

/** The scheduler: consumers of the resources it follows (pods, nodes, and what the inter-pod plugins read). */
export function schedulerUser(identity: SubjectIdentity): NatsUser {
  const filters = SCHEDULER_WATCHED_RESOURCES.map((desc) => eventFilterSubject(desc));
  return { identity, permissions: informerPermissions(identity, filters) };
}

/** The controller-manager: consumers of every resource (the garbage collector follows them all, as upstream's reads everything). */
export function controllerManagerUser(identity: SubjectIdentity): NatsUser {
  return { identity, permissions: informerPermissions(identity, [`${EVENTS_ROOT}.*.*.*.*.*`]) };
}

/** The apiserver and the cluster admin: everything. */
export function unrestrictedUser(identity: SubjectIdentity): NatsUser {
  return { identity };
}
