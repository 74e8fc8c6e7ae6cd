/**
 * What a request asks to do, in authorization's terms (upstream's
 * authorizer.Attributes): a resource request (verb, API group, resource,
 * subresource, namespace, name) or a non-resource request (verb, path).
 */
import type { IncomingMessage } from 'node:http';
import type { ApiRoute } from '../http/route.js';

export interface ResourceAttributes {
  kind: 'resource';
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface NonResourceAttributes {
  kind: 'nonResource';
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

function isTrue(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

/** The Kubernetes verb of a resource request. */
export function resourceVerb(method: string, hasName: boolean, query: URLSearchParams): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (isTrue(query, 'watch')) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** The attributes of a request from its route (resource paths) or its path (everything else). */
export function requestAttributes(req: IncomingMessage, url: URL, route: ApiRoute | undefined): RequestAttributes {
  const method = req.method ?? 'GET';
  if (route === undefined) return { kind: 'nonResource', verb: method.toLowerCase(), path: url.pathname };
  if (route.kind === 'unknown') {
    return {
      kind: 'resource',
      verb: resourceVerb(method, false, url.searchParams),
      group: route.group,
      resource: route.resource,
      subresource: '',
      namespace: route.namespace ?? '',
      name: '',
    };
  }
  return {
    kind: 'resource',
    verb: resourceVerb(method, route.name !== undefined, url.searchParams),
    group: route.desc.group,
    resource: route.desc.resource,
    subresource: route.subresource ?? '',
    namespace: route.namespace ?? (route.desc.resource === 'namespaces' ? (route.name ?? '') : ''),
    name: route.name ?? '',
  };
}

/** Upstream's 403 message: `pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(user: string, attrs: RequestAttributes, reason = ''): string {
  const why = reason === '' ? '' : `: ${reason}`;
  if (attrs.kind === 'nonResource') return `forbidden: User "${user}" cannot ${attrs.verb} path "${attrs.path}"${why}`;
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const target = attrs.name === '' ? resource : `${resource} "${attrs.name}"`;
  const scope = attrs.namespace === '' ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  return `${target} is forbidden: User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}${why}`;
}
