/**
 * A HollowApi whose every call takes a slot of a shared Limiter at one
 * priority: the fleet's heartbeats (high) pass its registrations and pod
 * writes (low) when the apiserver falls behind, and the fleet never has more
 * than the limiter's requests in flight.
 */
import type { HollowApi } from './http-api.js';
import type { Limiter, Priority } from './limiter.js';

export function limitedApi(api: HollowApi, limiter: Limiter, priority: Priority): HollowApi {
  return {
    getOrUndefined: (desc, namespace, name) => limiter.run(() => api.getOrUndefined(desc, namespace, name), priority),
    create: (desc, namespace, object) => limiter.run(() => api.create(desc, namespace, object), priority),
    update: (desc, object) => limiter.run(() => api.update(desc, object), priority),
    patch: (desc, namespace, name, patch, type, subresource) =>
      limiter.run(() => api.patch(desc, namespace, name, patch, type, subresource), priority),
    delete: (desc, namespace, name, options) => limiter.run(() => api.delete(desc, namespace, name, options), priority),
  };
}
