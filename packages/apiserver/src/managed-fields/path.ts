/**
 * Path elements of a field set, in upstream's FieldsV1 encoding
 * (structured-merge-diff): `f:<name>` a field, `k:<json>` an item of an
 * associative list by its keys (sorted by name), `v:<json>` an item of a set,
 * `i:<n>` an item by index. A path is a list of encoded elements.
 */

export type Path = readonly string[];

/** Field elements made so far, by name (schema field names, label keys: a bounded few in practice). */
const fieldElements = new Map<string, string>();
const MAX_FIELD_ELEMENTS = 4096;

/**
 * `f:name`. Kept per name, as the property key V8 uses it (an internalized
 * string: `Object.keys` returns it so): FieldsV1 trees use these as keys, and
 * a fresh string would be hashed and looked up in V8's string table on every
 * store (the largest single cost of a create's managedFields).
 */
export function fieldElement(name: string): string {
  let element = fieldElements.get(name);
  if (element === undefined) {
    element = Object.keys({ [`f:${name}`]: 0 })[0] ?? `f:${name}`;
    if (fieldElements.size < MAX_FIELD_ELEMENTS) fieldElements.set(name, element);
  }
  return element;
}

/** `k:{"containerPort":80,"protocol":"TCP"}`: key fields sorted by name. */
export function keyElement(key: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(key).sort()) sorted[k] = key[k];
  return `k:${JSON.stringify(sorted)}`;
}

/** `v:"value"`. */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/** `i:3`. */
export function indexElement(index: number): string {
  return `i:${index}`;
}

/** One element decoded. */
export type PathElement =
  | { kind: 'field'; name: string }
  | { kind: 'key'; key: Record<string, unknown> }
  | { kind: 'value'; value: unknown }
  | { kind: 'index'; index: number };

/** Decodes an element; throws on a malformed one (callers map that to a 400). */
export function decodeElement(element: string): PathElement {
  const body = element.slice(2);
  switch (element.slice(0, 2)) {
    case 'f:':
      return { kind: 'field', name: body };
    case 'k:':
      return { kind: 'key', key: JSON.parse(body) as Record<string, unknown> };
    case 'v:':
      return { kind: 'value', value: JSON.parse(body) as unknown };
    case 'i:':
      return { kind: 'index', index: Number(body) };
    default:
      throw new Error(`unknown path element ${element}`);
  }
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="c"].image`, `[="v"]`, `[0]`. */
export function pathString(path: Path): string {
  return path
    .map((element) => {
      const e = decodeElement(element);
      switch (e.kind) {
        case 'field':
          return `.${e.name}`;
        case 'key':
          return `[${Object.entries(e.key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        case 'value':
          return `[=${JSON.stringify(e.value)}]`;
        case 'index':
          return `[${e.index}]`;
      }
    })
    .join('');
}
