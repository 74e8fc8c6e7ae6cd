/**
 * `/openapi/v3`: enough for `kubectl apply` (client-side, with its default
 * strict validation) and for `kubectl explain` to find each type: an index
 * with one document per group version, whose paths carry the operations with
 * `x-kubernetes-group-version-kind` and the `fieldValidation` parameter.
 * Schemas are minimal objects that accept any field; the server validates.
 */
import { RESOURCES, type ResourceDescriptor } from '@skiff/api';

function gvPath(r: ResourceDescriptor): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

/** The index document. */
export function openApiIndex(): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of RESOURCES) paths[gvPath(r)] = { serverRelativeURL: `/openapi/v3/${gvPath(r)}` };
  return { paths };
}

function schemaName(r: ResourceDescriptor): string {
  const group = r.group === '' ? 'core' : (r.group.split('.')[0] ?? r.group);
  return `io.k8s.api.${group}.${r.version}.${r.kind}`;
}

/** One group version's document; undefined when not served. */
export function openApiDocument(path: string): Record<string, unknown> | undefined {
  const resources = RESOURCES.filter((r) => gvPath(r) === path);
  if (resources.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const fieldValidation = {
    name: 'fieldValidation',
    in: 'query',
    description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
    schema: { type: 'string', uniqueItems: true },
  };
  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const ref = { $ref: `#/components/schemas/${schemaName(r)}` };
    const response = { responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } } };
    const op = (verb: string, action: string): Record<string, unknown> => ({
      operationId: `${verb}${r.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [fieldValidation],
      ...response,
    });
    const base = r.namespaced ? `/${path}/namespaces/{namespace}/${r.resource}` : `/${path}/${r.resource}`;
    paths[base] = { get: op('list', 'list'), post: op('create', 'post') };
    paths[`${base}/{name}`] = {
      get: op('read', 'get'),
      put: op('replace', 'put'),
      patch: op('patch', 'patch'),
      delete: op('delete', 'delete'),
    };
    schemas[schemaName(r)] = {
      type: 'object',
      description: `${r.kind} as served by Skiff (${r.group === '' ? '' : `${r.group}/`}${r.version}).`,
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
        metadata: { type: 'object', description: "Standard object's metadata.", 'x-kubernetes-preserve-unknown-fields': true },
        spec: { type: 'object', description: 'Specification of the desired behavior.', 'x-kubernetes-preserve-unknown-fields': true },
        status: { type: 'object', description: 'Most recently observed status.', 'x-kubernetes-preserve-unknown-fields': true },
      },
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}
