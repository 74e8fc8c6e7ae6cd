/**
 * Parses Kubernetes API paths:
 *   /api/v1/<resource>[/<name>[/<subresource>]]
 *   /api/v1/namespaces/<ns>/<resource>[/<name>[/<subresource>]]
 *   /apis/<group>/<version>/...   (the same shapes)
 */
import { findResource, type ResourceDescriptor } from '@skiff/api';

/** A request aimed at a resource. */
export interface ResourceRoute {
  kind: 'resource';
  desc: ResourceDescriptor;
  /** The namespace in the path; undefined for cluster-scoped or all-namespace requests. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** A path under a known API root that names no served resource. */
export interface UnknownRoute {
  kind: 'unknown';
  group: string;
  version: string;
  resource: string;
  /** The namespace of a `namespaces/<ns>/<resource>` path. */
  namespace?: string;
}

export type ApiRoute = ResourceRoute | UnknownRoute;

/** Parses an API path; undefined when the path is not a resource path at all. */
export function parseApiPath(pathname: string): ApiRoute | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // namespaces/<ns>/<resource>... is a namespaced request, unless it addresses the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  const desc = findResource(group, resource);
  if (desc === undefined || desc.version !== version)
    return { kind: 'unknown', group, version, resource, ...(namespace === undefined ? {} : { namespace }) };
  if (!desc.namespaced && namespace !== undefined) return { kind: 'unknown', group, version, resource };
  return { kind: 'resource', desc, namespace, name: rest[1], subresource: rest[2] };
}
