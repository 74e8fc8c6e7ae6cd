/**
 * The Swagger 2.0 document kube-apiserver publishes at `/openapi/v2`: one
 * document for every served kind, with each kind's operations (PATCH with
 * `fieldValidation` where the kind is patchable, POST alone for the reviews)
 * and `definitions` whose root types carry `x-kubernetes-group-version-kind`.
 *
 * kubectl reads it (as protobuf, see `gnostic.ts`) to validate on the client
 * an object whose kind has no PATCH in `/openapi/v3`: `kubectl create -f` of
 * a TokenReview with the default `--validate=strict`.
 */
import { SERVED_RESOURCES } from '../served-kinds.js';
import { groupVersionPath } from './document.js';
import { resourcePaths, type Method, type OperationSpec, type QueryParam } from './operations.js';
import { rootedResources, schemaRef, schemasFor, type GroupVersionKind, type SchemaObject } from './schemas.js';

/** A parameter: a query or path parameter (`type`), or the request body (`schema`). */
export interface SwaggerParameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: 'string' | 'boolean';
  uniqueItems?: boolean;
  schema?: SchemaObject;
}

export interface SwaggerResponse {
  description: string;
  schema?: SchemaObject;
}

export interface SwaggerOperation {
  description: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  operationId: string;
  parameters: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
  'x-kubernetes-action': OperationSpec['action'];
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type SwaggerPathItem = Partial<Record<Method, SwaggerOperation>> & { parameters?: SwaggerParameter[] };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SchemaObject>;
}

const PRODUCES = ['application/json', 'application/yaml'];
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

function queryParameter(p: QueryParam): SwaggerParameter {
  return { name: p.name, in: 'query', description: p.description, type: p.type, uniqueItems: true };
}

function pathParameter(name: string): SwaggerParameter {
  return { name, in: 'path', description: `${name} of the object`, required: true, type: 'string', uniqueItems: true };
}

function swaggerOperation(op: OperationSpec, root: SchemaObject, gvk: GroupVersionKind): SwaggerOperation {
  // A patch body is a patch document, not the object.
  const bodySchema: SchemaObject = op.method === 'patch' ? { type: 'object' } : root;
  const body: SwaggerParameter[] = op.body ? [{ name: 'body', in: 'body', required: true, schema: bodySchema }] : [];
  return {
    description: op.description,
    consumes: op.method === 'patch' ? PATCH_TYPES : ['*/*'],
    produces: PRODUCES,
    schemes: ['https'],
    operationId: op.operationId,
    parameters: [...body, ...op.query.map(queryParameter)],
    responses: { '200': { description: 'OK', schema: root } },
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

/** The whole `/openapi/v2` document. */
export function buildSwaggerDocument(): SwaggerDocument {
  const kinds = rootedResources(SERVED_RESOURCES);
  const paths: Record<string, SwaggerPathItem> = {};
  for (const { resource, root, gvk } of kinds) {
    const ref = schemaRef(root.schemaName, 'v2');
    for (const p of resourcePaths(resource, groupVersionPath(resource))) {
      const item: SwaggerPathItem = { parameters: p.pathParams.map(pathParameter) };
      for (const op of p.operations) item[op.method] = swaggerOperation(op, ref, gvk);
      paths[p.path] = item;
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions: schemasFor(kinds, 'v2') };
}
