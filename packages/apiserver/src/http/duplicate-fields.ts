/**
 * Duplicate fields in a JSON body, which `JSON.parse` silently resolves to
 * the last one: a single scan that tracks the keys of each open object.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

/** The names of the fields that appear more than once in one object of `text` (valid JSON), in document order. */
export function duplicateFields(text: string): string[] {
  const open: (Set<string> | null)[] = [];
  const found: string[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === BACKSLASH) escaped = true;
        else if (d === QUOTE) break;
      }
      if (expectKey) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        const keys = open[open.length - 1];
        if (keys?.has(key) === true) found.push(key);
        else keys?.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === OPEN_OBJECT) {
      open.push(new Set());
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      open.push(null);
      expectKey = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return found;
}
