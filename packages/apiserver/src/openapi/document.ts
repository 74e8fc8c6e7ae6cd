/**
 * OpenAPI v3 documents per group version, as kube-apiserver publishes them
 * under `/openapi/v3/<api/v1 | apis/group/version>`: the operations of each
 * resource (with `x-kubernetes-group-version-kind`, `x-kubernetes-action` and
 * the `fieldValidation` parameter kubectl looks for) and the schemas of every
 * type they reach, with descriptions and Kubernetes' extensions.
 */
import { SERVED_RESOURCES, type ServedResource } from '../served-kinds.js';
import { resourcePaths, type QueryParam } from './operations.js';
import { rootedResources, schemaRef, schemasFor } from './schemas.js';

type Json = Record<string, unknown>;

/** `api/v1` or `apis/apps/v1`. */
export function groupVersionPath(r: Pick<ServedResource, 'group' | 'version'>): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

/** Every group-version path served. */
export function groupVersionPaths(): string[] {
  return [...new Set(SERVED_RESOURCES.map(groupVersionPath))];
}

function queryParameter(p: QueryParam): Json {
  return { name: p.name, in: 'query', description: p.description, schema: { type: p.type, uniqueItems: true } };
}

/** One group version's document; undefined when the path is not served. */
export function buildDocument(path: string): Json | undefined {
  const served = SERVED_RESOURCES.filter((r) => groupVersionPath(r) === path);
  if (served.length === 0) return undefined;
  const kinds = rootedResources(served);
  const paths: Json = {};
  for (const { resource, root, gvk } of kinds) {
    const content = { 'application/json': { schema: schemaRef(root.schemaName, 'v3') } };
    for (const p of resourcePaths(resource, path)) {
      const item: Json = {};
      for (const op of p.operations) {
        item[op.method] = {
          description: op.description,
          operationId: op.operationId,
          parameters: op.query.map(queryParameter),
          responses: { '200': { description: 'OK', content } },
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': gvk,
        };
      }
      paths[p.path] = item;
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: schemasFor(kinds, 'v3') },
  };
}
