/**
 * Discovery documents: plain (`/api`, `/api/v1`, `/apis`, `/apis/<g>/<v>`) and
 * aggregated (`apidiscovery.k8s.io/v2` and `v2beta1`, chosen by the Accept
 * header; kubectl checks the response content type strictly).
 */
import type { IncomingMessage } from 'node:http';
import { SERVED_RESOURCES, type ServedResource } from '../served-kinds.js';

const SUBRESOURCE_VERBS: Readonly<Record<string, string[]>> = {
  status: ['get', 'patch', 'update'],
  binding: ['create'],
  log: ['get'],
  scale: ['get', 'patch', 'update'],
  eviction: ['create'],
  finalize: ['update'],
};

/** The kind a subresource answers with: Scale, Binding, Eviction, or the resource's own. */
function subresourceKind(r: ServedResource, sub: string): { group: string; version: string; kind: string } {
  switch (sub) {
    case 'log':
      return { group: '', version: '', kind: '' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction' };
    default:
      return { group: r.group, version: r.version, kind: r.kind };
  }
}

function groupsServed(): Map<string, ServedResource[]> {
  const groups = new Map<string, ServedResource[]>();
  for (const r of SERVED_RESOURCES) {
    const list = groups.get(r.group) ?? [];
    list.push(r);
    groups.set(r.group, list);
  }
  return groups;
}

/** `/api`: the core group's versions. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `/apis`: the named groups. */
export function apiGroupList(): Record<string, unknown> {
  const groups = [...groupsServed().entries()]
    .filter(([g]) => g !== '')
    .map(([name, list]) => {
      const version = list[0]?.version ?? 'v1';
      const gv = { groupVersion: `${name}/${version}`, version };
      return { name, versions: [gv], preferredVersion: gv };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `/api/v1` or `/apis/<group>/<version>`: the resources of one group version; undefined when not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const list = SERVED_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (list.length === 0) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const r of list) {
    const entry: Record<string, unknown> = {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length > 0) entry['shortNames'] = r.shortNames;
    if (r.categories.length > 0) entry['categories'] = r.categories;
    resources.push(entry);
    for (const sub of r.subresources) {
      resources.push({
        name: `${r.resource}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: subresourceKind(r, sub).kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

/** The aggregated discovery version the client asked for, if any. */
export function aggregatedDiscoveryVersion(req: IncomingMessage): 'v2' | 'v2beta1' | undefined {
  const accept = req.headers.accept ?? '';
  for (const part of accept.split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList')) continue;
    if (/v=v2beta1/.test(part)) return 'v2beta1';
    if (/v=v2(;|$|\s)/.test(part) || part.includes('v=v2;')) return 'v2';
  }
  return undefined;
}

/** The Content-Type an aggregated discovery response must carry. */
export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** The aggregated document for `/api` (core group) or `/apis` (named groups). */
export function aggregatedDiscovery(root: 'api' | 'apis', version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const items = [...groupsServed().entries()]
    .filter(([g]) => (root === 'api' ? g === '' : g !== ''))
    .map(([group, list]) => ({
      metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
      versions: [
        {
          version: list[0]?.version ?? 'v1',
          freshness: 'Current',
          resources: list.map((r) => ({
            resource: r.resource,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
            ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length > 0 ? { categories: r.categories } : {}),
            subresources: r.subresources.map((sub) => ({
              subresource: sub,
              responseKind: subresourceKind(r, sub),
              verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
            })),
          })),
        },
      ],
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
