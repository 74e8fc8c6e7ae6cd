/**
 * The fields of a whole API object that managers can own: everything but the
 * type and the system-owned metadata, and for resources with a status
 * subresource either the spec side (main resource) or status alone.
 */
import type { KubeObject, ResourceDescriptor } from '@skiff/api';
import { rootType, schemaModel, type SchemaModel } from '../openapi/model.js';
import { FieldSet } from './fieldset.js';
import type { Path } from './path.js';
import { toFieldSet, valueAt, type Shape } from './typed.js';

const SYSTEM_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/** How an object is walked: its schema model and root shape. */
export interface ObjectSchema {
  model: SchemaModel;
  shape: Shape;
}

/** The schema of a resource's objects; a struct without known fields when the kind has none. */
export function objectSchema(desc: ResourceDescriptor): ObjectSchema {
  const model = schemaModel();
  const def = rootType(desc) ?? { name: desc.kind, schemaName: desc.kind, description: '', fields: new Map(), required: [] };
  return { model, shape: { kind: 'struct', def } };
}

/** The subresource an operation's fields belong to ('status', or undefined for the main resource). */
export type FieldScope = 'status' | undefined;

/** The fields `object` sets that a manager can own in `scope`. */
export function ownableFields(desc: ResourceDescriptor, schema: ObjectSchema, object: KubeObject | undefined, scope: FieldScope): FieldSet {
  if (object === undefined) return new FieldSet();
  const { apiVersion: _a, kind: _k, metadata, ...rest } = object;
  const view: Record<string, unknown> = { ...rest };
  if (metadata !== undefined) {
    const meta: Record<string, unknown> = { ...metadata };
    for (const k of SYSTEM_METADATA) delete meta[k];
    if (Object.keys(meta).length > 0) view['metadata'] = meta;
  }
  const hasStatus = desc.subresources.includes('status');
  if (scope === 'status') {
    for (const k of Object.keys(view)) if (k !== 'status') delete view[k];
  } else if (hasStatus) {
    delete view['status'];
  }
  return toFieldSet(schema.model, view, schema.shape);
}

/** True when `path` has members below it in `set` (it is not a leaf of the set). */
function hasChildren(set: FieldSet, path: Path): boolean {
  return set.paths().some((p) => p.length > path.length && path.every((e, i) => p[i] === e));
}

/**
 * The members of `after` whose value differs from `before`: new members, and
 * leaves (scalars, atomic values) whose value changed.
 */
export function changedFields(
  schema: ObjectSchema,
  before: KubeObject | undefined,
  beforeSet: FieldSet,
  after: KubeObject,
  afterSet: FieldSet,
): FieldSet {
  const changed = new FieldSet();
  for (const path of afterSet.paths()) {
    if (!beforeSet.has(path)) {
      changed.insert(path);
      continue;
    }
    if (hasChildren(afterSet, path)) continue;
    const a = valueAt(schema.model, before, schema.shape, path);
    const b = valueAt(schema.model, after, schema.shape, path);
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.insert(path);
  }
  return changed;
}
