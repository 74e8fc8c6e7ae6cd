/**
 * The fields of a whole API object that managers can own: everything but the
 * type and the system-owned metadata, and for resources with a status
 * subresource either the spec side (main resource) or status alone.
 */
import type { KubeObject, ResourceDescriptor } from '@skiff/api';
import { rootType, schemaModel, type SchemaModel } from '../openapi/model.js';
import { FieldSet } from './fieldset.js';
import { changedTree, fieldsTree, toFieldSet, type FieldsV1, type Shape } from './typed.js';

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

/** The part of `object` a manager can own in `scope` (a shallow view; nothing is copied deeply). */
function ownableView(desc: ResourceDescriptor, object: KubeObject, scope: FieldScope): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = object;
  const view: Record<string, unknown> = { ...rest };
  if (metadata !== undefined) {
    const meta: Record<string, unknown> = { ...metadata };
    for (const k of SYSTEM_METADATA) delete meta[k];
    if (Object.keys(meta).length > 0) view['metadata'] = meta;
  }
  if (scope === 'status') {
    for (const k of Object.keys(view)) if (k !== 'status') delete view[k];
  } else if (desc.subresources.includes('status')) {
    delete view['status'];
  }
  return view;
}

/** The fields `object` sets that a manager can own in `scope`. */
export function ownableFields(desc: ResourceDescriptor, schema: ObjectSchema, object: KubeObject | undefined, scope: FieldScope): FieldSet {
  if (object === undefined) return new FieldSet();
  return toFieldSet(schema.model, ownableView(desc, object, scope), schema.shape);
}

/** The same fields as `ownableFields`, directly in the FieldsV1 encoding (the cheap path of a create). */
export function ownableFieldsTree(desc: ResourceDescriptor, schema: ObjectSchema, object: KubeObject, scope: FieldScope): FieldsV1 {
  return fieldsTree(schema.model, ownableView(desc, object, scope), schema.shape);
}

/**
 * The members of `after` whose value differs from `before` (undefined: a
 * create): new members, and leaves (scalars, atomic values) whose value changed.
 */
export function changedFields(
  desc: ResourceDescriptor,
  schema: ObjectSchema,
  before: KubeObject | undefined,
  after: KubeObject,
  scope: FieldScope,
): FieldSet {
  const previous = before === undefined ? undefined : ownableView(desc, before, scope);
  return FieldSet.fromFieldsV1(changedTree(schema.model, previous, ownableView(desc, after, scope), schema.shape));
}
