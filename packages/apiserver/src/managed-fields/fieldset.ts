/**
 * A set of field paths, as a manager owns them, with upstream's FieldsV1
 * encoding: a tree of path elements where `{}` is a leaf and `.` marks a node
 * that is itself a member and has members below it.
 */
import type { Path } from './path.js';

const SEP = '\u0000';

type FieldsV1 = { [element: string]: FieldsV1 };

export class FieldSet {
  private readonly members = new Map<string, Path>();

  constructor(paths: Iterable<Path> = []) {
    for (const p of paths) this.insert(p);
  }

  get size(): number {
    return this.members.size;
  }

  insert(path: Path): void {
    this.members.set(path.join(SEP), path);
  }

  has(path: Path): boolean {
    return this.members.has(path.join(SEP));
  }

  /** Every member path. */
  paths(): Path[] {
    return [...this.members.values()];
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => other.has(p)));
  }

  /** True when `path` or a path below it is a member. */
  hasPrefix(path: Path): boolean {
    const prefix = path.join(SEP);
    for (const key of this.members.keys()) if (key === prefix || key.startsWith(prefix + SEP)) return true;
    return false;
  }

  /** The FieldsV1 encoding. */
  toFieldsV1(): FieldsV1 {
    const root: FieldsV1 = {};
    const nodeAt = (path: Path): FieldsV1 => {
      let node = root;
      for (const element of path) node = node[element] ??= {};
      return node;
    };
    for (const path of this.paths()) nodeAt(path);
    for (const path of this.paths()) {
      const node = nodeAt(path);
      if (Object.keys(node).some((k) => k !== '.')) node['.'] = {};
    }
    return root;
  }

  /** Decodes FieldsV1; throws on a value that is not a FieldsV1 tree. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error('fieldsV1 must be an object');
      const entries = Object.entries(node as Record<string, unknown>);
      if (entries.length === 0 && path.length > 0) set.insert(path);
      for (const [element, child] of entries) {
        if (element === '.') set.insert(path);
        else walk(child, [...path, element]);
      }
    };
    walk(fields, []);
    return set;
  }
}
