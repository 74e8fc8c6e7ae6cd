/**
 * Server-side apply: merges a manager's applied configuration into the live
 * object by the schema's structural rules, refuses to change fields other
 * managers own (409 with a cause per field) unless forced, removes the fields
 * the manager applied before but no longer applies when no one else owns
 * them, and records the applied fields as the manager's Apply entry.
 */
import { ApiError, apiVersionOf, badRequest, nowTimestamp, type KubeObject, type ResourceDescriptor } from '@skiff/api';
import { decodeEntries, encodeEntries, sameSlot, type ManagedEntry } from './entries.js';
import { FieldSet } from './fieldset.js';
import { changedFields, objectSchema, ownableFields, type FieldScope } from './object-fields.js';
import { pathString, type Path } from './path.js';
import { mergeApplied, removeAt } from './typed.js';

/** One field another manager owns that the apply would change. */
export interface Conflict {
  entry: ManagedEntry;
  path: Path;
}

/** How a manager is named in conflict messages: `"name"`, with ` using <apiVersion>` for an Update manager. */
function managerLabel(entry: ManagedEntry): string {
  let label = JSON.stringify(entry.manager);
  if (entry.subresource !== undefined) label += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') label += ` using ${entry.apiVersion}`;
  return label;
}

/** The 409 Conflict Status of an apply, in upstream's words, one cause per field. */
export function conflictError(conflicts: Conflict[]): ApiError {
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first !== undefined) {
    message = `Apply failed with 1 conflict: conflict with ${managerLabel(first.entry)}: ${pathString(first.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const label = managerLabel(c.entry);
      byManager.set(label, [...(byManager.get(label) ?? []), pathString(c.path)]);
    }
    const lines: string[] = [];
    for (const label of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${label}:`);
      for (const p of byManager.get(label) ?? []) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${managerLabel(c.entry)}`,
    field: pathString(c.path),
  }));
  return new ApiError(409, 'Conflict', message, {}, causes);
}

export interface ApplyRequest {
  manager: string;
  force: boolean;
  scope: FieldScope;
}

/**
 * The object after `manager` applies `applied` to `live` (undefined: the
 * object does not exist yet). Throws the conflict Status when another
 * manager owns a field the apply changes and `force` is false.
 */
export function applyConfiguration(
  desc: ResourceDescriptor,
  live: KubeObject | undefined,
  applied: KubeObject,
  request: ApplyRequest,
): KubeObject {
  if (applied.metadata?.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
  if (applied.apiVersion === undefined || applied.kind === undefined) {
    throw badRequest(`apiVersion and kind must be set in an apply configuration (expected ${apiVersionOf(desc)}, ${desc.kind})`);
  }
  const schema = objectSchema(desc);
  const entries = live === undefined ? [] : decodeEntries(live);
  const slot = { manager: request.manager, operation: 'Apply' as const, apiVersion: apiVersionOf(desc), subresource: request.scope };
  const mine = entries.find((e) => sameSlot(e, slot));
  const others = entries.filter((e) => e !== mine);
  const appliedSet = ownableFields(desc, schema, applied, request.scope);
  const { metadata: liveMeta, ...liveRest } = live ?? {};
  const base: KubeObject = { ...liveRest, metadata: { ...liveMeta, managedFields: undefined } };
  const merged = mergeApplied(schema.model, base, applied, schema.shape) as KubeObject;

  // Conflicts: fields others own whose value the apply changes.
  const liveSet = ownableFields(desc, schema, live, request.scope);
  const changed = changedFields(desc, schema, live, merged, request.scope).intersection(appliedSet);
  const conflicts: Conflict[] = [];
  for (const entry of others) for (const path of entry.set.intersection(changed).paths()) conflicts.push({ entry, path });
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  for (const entry of others) entry.set = entry.set.difference(changed);

  // Fields this manager no longer applies go away unless someone else owns them (or something below them).
  if (mine !== undefined) {
    const owned = others.reduce((acc, e) => acc.union(e.set), new FieldSet());
    // Parents first: once an item is gone, the paths below it have nothing left to remove.
    const stale = mine.set
      .difference(appliedSet)
      .paths()
      .sort((a, b) => a.length - b.length);
    for (const path of stale) if (!owned.hasPrefix(path)) removeAt(schema.model, merged, schema.shape, path);
  }
  const finalSet = ownableFields(desc, schema, merged, request.scope);
  const removed = liveSet.difference(finalSet);
  for (const entry of others) if (removed.size > 0) entry.set = entry.set.difference(removed);
  const next: ManagedEntry = { ...slot, set: appliedSet, time: nowTimestamp() };
  const updated = mine === undefined ? [...entries, next] : entries.map((e) => (e === mine ? next : e));
  if (merged.metadata !== undefined) delete merged.metadata.managedFields;
  encodeEntries(merged, updated);
  return merged;
}
