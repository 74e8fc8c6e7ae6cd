/**
 * `metadata.managedFields` decoded into field sets and encoded back, as
 * Kubernetes keeps them: one entry per manager, operation, apiVersion and
 * subresource; entries that own nothing are dropped.
 */
import { badRequest, nowTimestamp, type KubeObject } from '@skiff/api';
import { FieldSet } from './fieldset.js';

export type Operation = 'Apply' | 'Update';

export interface ManagedEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string | undefined;
  subresource?: string | undefined;
  set: FieldSet;
}

/** True when two entries are the same slot (manager, operation, apiVersion, subresource). */
export function sameSlot(a: Omit<ManagedEntry, 'set'>, b: Omit<ManagedEntry, 'set'>): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    a.apiVersion === b.apiVersion &&
    (a.subresource ?? '') === (b.subresource ?? '')
  );
}

/** The object's entries; a 400 Status when they are malformed. */
export function decodeEntries(object: KubeObject | undefined): ManagedEntry[] {
  const raw = object?.metadata?.managedFields;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('metadata.managedFields must be a list');
  return raw.map((e, i) => {
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') {
      throw badRequest(
        `metadata.managedFields[${i}].fieldsType: Unsupported value: "${String(e.fieldsType)}": supported values: "FieldsV1"`,
      );
    }
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      throw badRequest(
        `metadata.managedFields[${i}].operation: Unsupported value: "${String(e.operation)}": supported values: "Apply", "Update"`,
      );
    }
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw badRequest(`metadata.managedFields[${i}].fieldsV1: ${err instanceof Error ? err.message : String(err)}`);
    }
    return {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      time: e.time,
      subresource: e.subresource === '' ? undefined : e.subresource,
      set,
    };
  });
}

/** Writes the entries into the object's metadata (entries owning nothing dropped; none at all removes the field). */
export function encodeEntries(object: KubeObject, entries: ManagedEntry[]): void {
  const kept = entries.filter((e) => e.set.size > 0);
  object.metadata ??= {};
  if (kept.length === 0) {
    delete object.metadata.managedFields;
    return;
  }
  object.metadata.managedFields = kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time ?? nowTimestamp(),
    fieldsType: 'FieldsV1',
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource === undefined ? {} : { subresource: e.subresource }),
  }));
}
