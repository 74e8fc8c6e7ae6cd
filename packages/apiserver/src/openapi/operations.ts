/**
 * The HTTP operations of each served kind, independent of the OpenAPI
 * version that publishes them: a stored resource has list/create on its
 * collection and read/replace/patch/delete on its items; a review (verbs
 * `create` only) has a POST and nothing else. kubectl reads the PATCH
 * operation's `fieldValidation` parameter to decide whether the server
 * validates fields, so every operation that takes a body lists it.
 */
import type { ServedResource } from '../served-kinds.js';

/** A query parameter of a write. */
export interface QueryParam {
  name: string;
  description: string;
  type: 'string' | 'boolean';
}

export const FIELD_VALIDATION: QueryParam = {
  name: 'fieldValidation',
  type: 'string',
  description:
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
};
const FIELD_MANAGER: QueryParam = {
  name: 'fieldManager',
  type: 'string',
  description: 'fieldManager is a name associated with the actor or entity that is making these changes.',
};
const FORCE: QueryParam = {
  name: 'force',
  type: 'boolean',
  description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.',
};

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One operation on a path. */
export interface OperationSpec {
  method: Method;
  /** Upstream's `x-kubernetes-action`. */
  action: 'list' | 'post' | 'get' | 'put' | 'patch' | 'delete';
  description: string;
  operationId: string;
  /** Query parameters, in upstream's order. */
  query: QueryParam[];
  /** True when the request carries the object (POST, PUT, PATCH). */
  body: boolean;
}

/** A path and its operations. */
export interface PathSpec {
  path: string;
  /** Names of the `{...}` segments, in order. */
  pathParams: string[];
  operations: OperationSpec[];
}

function operation(r: ServedResource, method: Method, verb: string, action: OperationSpec['action'], query: QueryParam[]): OperationSpec {
  return {
    method,
    action,
    description: `${verb} the specified ${r.kind}`,
    operationId: `${verb}${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
    query,
    body: method === 'post' || method === 'put' || method === 'patch',
  };
}

/** The paths of one served kind under its group-version path (`api/v1`, `apis/apps/v1`). */
export function resourcePaths(r: ServedResource, groupVersionPath: string): PathSpec[] {
  const base = r.namespaced ? `/${groupVersionPath}/namespaces/{namespace}/${r.resource}` : `/${groupVersionPath}/${r.resource}`;
  const scope = r.namespaced ? ['namespace'] : [];
  const create = operation(r, 'post', 'create', 'post', [FIELD_MANAGER, FIELD_VALIDATION]);
  // A review: created and answered, never stored.
  if (r.verbs.length === 1 && r.verbs[0] === 'create') return [{ path: base, pathParams: scope, operations: [create] }];
  return [
    { path: base, pathParams: scope, operations: [operation(r, 'get', 'list', 'list', []), create] },
    {
      path: `${base}/{name}`,
      pathParams: ['name', ...scope],
      operations: [
        operation(r, 'get', 'read', 'get', []),
        operation(r, 'put', 'replace', 'put', [FIELD_MANAGER, FIELD_VALIDATION]),
        operation(r, 'patch', 'patch', 'patch', [FIELD_MANAGER, FIELD_VALIDATION, FORCE]),
        operation(r, 'delete', 'delete', 'delete', []),
      ],
    },
  ];
}
