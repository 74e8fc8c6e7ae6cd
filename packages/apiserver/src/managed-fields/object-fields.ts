/**
 * The fields of a whole API object that managers can own: everything but the
 * type and the system-owned metadata, and for resources with a status
 * subresource either the spec side (main resource) or status alone.
 */
import type { KubeObject, ResourceDescriptor } from '@skiff/api';
import { rootType, schemaModel, type SchemaModel } from '../openapi/model.js';
import { FieldSet } from './fieldset.js';
import { changedTree, fieldsTree, toFieldSet, type FieldsV1, type Shape } from './typed.js';

const SYSTEM_METADATA = new Set([
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
]);

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

/**
 * The part of `object` a manager can own in `scope` (a shallow view; nothing
 * is copied deeply): its members but the type meta, metadata without the
 * system fields (last, when anything is left), and only status or all but
 * status as `scope` says. Built by copying what is kept rather than deleting
 * from a copy, which would leave V8 dictionary-mode objects to walk.
 */
function ownableView(desc: ResourceDescriptor, object: KubeObject, scope: FieldScope): Record<string, unknown> {
  const dropStatus = scope === undefined && desc.subresources.includes('status');
  const view: Record<string, unknown> = {};
  for (const k of Object.keys(object)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    if (scope === 'status' ? k !== 'status' : dropStatus && k === 'status') continue;
    view[k] = object[k];
  }
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (typeof metadata === 'object' && metadata !== null && scope !== 'status') {
    const meta: Record<string, unknown> = {};
    let kept = false;
    for (const k of Object.keys(metadata)) {
      if (SYSTEM_METADATA.has(k)) continue;
      meta[k] = metadata[k];
      kept = true;
    }
    if (kept) view['metadata'] = meta;
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
