/**
 * Ownership after an Update (create, update, or a patch that is not an
 * apply): the manager gains the fields it changed, other managers lose them,
 * and fields that are gone are owned by no one.
 */
import { apiVersionOf, nowTimestamp, type KubeObject, type ResourceDescriptor } from '@skiff/api';
import { decodeEntries, encodeEntries, sameSlot, type ManagedEntry } from './entries.js';
import { changedFields, objectSchema, ownableFields, ownableFieldsTree, type FieldScope } from './object-fields.js';

/**
 * Records `manager`'s Update of `previous` (undefined on create) into `next`
 * in place. The entries `next` carries are kept when it has any (a client may
 * rewrite managedFields, as kubectl's client-side to server-side migration
 * does); otherwise the stored ones are.
 */
export function recordUpdate(
  desc: ResourceDescriptor,
  previous: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  scope: FieldScope,
): void {
  const schema = objectSchema(desc);
  const incoming = decodeEntries(next);
  if (previous === undefined && incoming.length === 0) {
    // A create: the manager owns every field, straight into FieldsV1.
    const fieldsV1 = ownableFieldsTree(desc, schema, next, scope);
    next.metadata ??= {};
    if (Object.keys(fieldsV1).length === 0) delete next.metadata.managedFields;
    else {
      const entry = {
        manager,
        operation: 'Update',
        apiVersion: apiVersionOf(desc),
        time: nowTimestamp(),
        fieldsType: 'FieldsV1',
        fieldsV1,
      };
      next.metadata.managedFields = [scope === undefined ? entry : { ...entry, subresource: scope }];
    }
    return;
  }
  const entries = incoming.length > 0 ? incoming : decodeEntries(previous);
  const beforeSet = ownableFields(desc, schema, previous, scope);
  const afterSet = ownableFields(desc, schema, next, scope);
  const changed = changedFields(desc, schema, previous, next, scope);
  const slot = { manager, operation: 'Update' as const, apiVersion: apiVersionOf(desc), subresource: scope };
  let mine: ManagedEntry | undefined;
  for (const entry of entries) {
    if (sameSlot(entry, slot)) mine = entry;
    else if (changed.size > 0) entry.set = entry.set.difference(changed);
  }
  if (changed.size > 0) {
    if (mine === undefined) {
      mine = { ...slot, set: changed };
      entries.push(mine);
    } else mine.set = mine.set.union(changed);
    mine.time = nowTimestamp();
  }
  // What is gone is owned by no one.
  const removed = beforeSet.difference(afterSet);
  if (removed.size > 0) for (const entry of entries) entry.set = entry.set.difference(removed);
  encodeEntries(next, entries);
}
