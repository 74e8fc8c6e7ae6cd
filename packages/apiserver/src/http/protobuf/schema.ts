/**
 * The descriptor tables' vocabulary: which protobuf field number of a message
 * becomes which JSON field, of which type, and how Go's encoding/json writes
 * it. Kubernetes' Go structs carry both a `protobuf:"…,<n>,…"` and a
 * `json:"<name>[,omitempty]"` tag; a table row records both, plus whether
 * the Go field is a pointer, a slice, a map or an inlined struct, because
 * that decides what a zero value looks like in JSON.
 */

/** Scalar field types, as they appear on the wire and in JSON. */
export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'bytes';

/** A field's type: a scalar or a message table. */
export type FieldType = ScalarType | MessageType;

/**
 * How the Go field holds its value, which decides its JSON when it is zero or absent:
 * - `value`: a plain value (`string`, `int32`, a struct); omitted when zero if `omitempty`
 *   (a struct is never omitted: Go's `omitempty` does not apply to structs).
 * - `pointer`: `*T`; absent → omitted (`omitempty`) or `null`; present → its value, even zero.
 * - `list`: `[]T`; empty → omitted (`omitempty`) or `null`.
 * - `map`: `map[string]T` (entries are messages with key = 1, value = 2); empty → omitted or `null`.
 * - `inline`: an embedded struct (`json:",inline"`) whose JSON fields merge into the parent's.
 */
export type Shape = 'value' | 'pointer' | 'list' | 'map' | 'inline';

/** One row of a message table. */
export interface FieldSpec {
  readonly no: number;
  readonly json: string;
  readonly type: FieldType;
  readonly shape: Shape;
  /** The JSON tag has `omitempty`. */
  readonly omitempty: boolean;
}

/** A message table: its rows in Go struct order (which is JSON key order), and an optional custom JSON form. */
export interface MessageType {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  /** Number → row, for decoding. */
  readonly byNumber: ReadonlyMap<number, FieldSpec>;
  /**
   * For types with their own JSON marshalling (Time, Quantity, IntOrString,
   * FieldsV1): turns the struct decoded from the table into its JSON value.
   */
  readonly toJson?: (decoded: Record<string, unknown>) => unknown;
}

/**
 * A row as written in the tables: `[number, jsonName, type, flags?]`.
 * Flags: one shape (default `value`) and `!` when the JSON tag has no
 * `omitempty` (e.g. `'list!'`, `'pointer!'`, `'!'` for a plain value).
 */
export type Row = readonly [number, string, FieldType, RowFlags?];

/** A row's shape and omitempty flags. */
export type RowFlags = Shape | `${Shape}!` | '!';

/** Builds a message table from rows; rejects duplicate numbers or names (a table bug, found at load). */
export function message(name: string, rows: readonly Row[], toJson?: (decoded: Record<string, unknown>) => unknown): MessageType {
  const fields = rows.map(([no, json, type, flags]): FieldSpec => {
    const always = flags?.endsWith('!') ?? false;
    const shapeText = flags === undefined || flags === '!' ? 'value' : always ? flags.slice(0, -1) : flags;
    return { no, json, type, shape: shapeText as Shape, omitempty: !always };
  });
  const byNumber = new Map<number, FieldSpec>();
  const names = new Set<string>();
  for (const field of fields) {
    if (byNumber.has(field.no)) throw new Error(`protobuf table ${name}: field number ${field.no} appears twice`);
    if (field.shape !== 'inline' && names.has(field.json)) throw new Error(`protobuf table ${name}: JSON name ${field.json} appears twice`);
    byNumber.set(field.no, field);
    names.add(field.json);
  }
  return toJson === undefined ? { name, fields, byNumber } : { name, fields, byNumber, toJson };
}
