/**
 * Writes a set of files into a volume directory so that a reader never sees a mix of old and new contents,
 * the way upstream's AtomicWriter lays a projected volume out:
 *
 * ```
 * <dir>/..2026_12_07_08_10_00.123456789/<files>   one timestamped directory per version (hidden)
 * <dir>/..data -> ..2026_12_07_08_10_00.123456789   the current version, swapped by rename(2)
 * <dir>/<top-level name> -> ..data/<top-level name>  the names users see, stable across versions
 * ```
 *
 * An update writes a new timestamped directory, points `..data_tmp` at it and renames that over `..data`
 * (one atomic step), then adds the user-visible links that are new, removes the ones no longer projected
 * and deletes the old version. Nothing is written when the contents and modes are unchanged.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** One file of a projection: a relative path (validated by the caller), its bytes and its mode. */
export interface ProjectedFile {
  path: string;
  data: Buffer;
  mode: number;
}

export const DATA_LINK = '..data';
const DATA_TMP_LINK = '..data_tmp';

function timestampDirName(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const nanos = `${p(d.getUTCMilliseconds(), 3)}${String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0')}`;
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${nanos}`;
}

function currentVersion(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA_LINK));
  } catch {
    return undefined;
  }
}

/** True when `versionDir` holds exactly `files` with the same bytes and modes. */
function sameContents(versionDir: string, files: readonly ProjectedFile[]): boolean {
  const seen = new Set<string>();
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(join(versionDir, rel), { withFileTypes: true })) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!walk(path)) return false;
      } else seen.add(path);
    }
    return true;
  };
  try {
    if (!walk('')) return false;
    if (seen.size !== files.length) return false;
    for (const f of files) {
      const full = join(versionDir, f.path);
      if (!seen.has(f.path) || (lstatSync(full).mode & 0o7777) !== f.mode || !readFileSync(full).equals(f.data)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function topLevelNames(files: readonly ProjectedFile[]): Set<string> {
  return new Set(files.map((f) => f.path.split('/')[0] as string));
}

/**
 * Makes `dir` (which must exist) hold exactly `files`; returns true when something changed. Safe to call
 * on every sync: an unchanged projection costs a read of the current version.
 */
export function writeProjection(dir: string, files: readonly ProjectedFile[]): boolean {
  const old = currentVersion(dir);
  if (old !== undefined && sameContents(join(dir, old), files)) return false;
  const version = timestampDirName();
  const versionDir = join(dir, version);
  mkdirSync(versionDir, { mode: 0o755 });
  for (const f of files) {
    const full = join(versionDir, f.path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, f.data, { mode: f.mode });
    chmodSync(full, f.mode); // the umask does not apply to chmod
  }
  rmSync(join(dir, DATA_TMP_LINK), { force: true });
  symlinkSync(version, join(dir, DATA_TMP_LINK));
  renameSync(join(dir, DATA_TMP_LINK), join(dir, DATA_LINK));
  const wanted = topLevelNames(files);
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..')) continue;
    if (!wanted.has(name)) rmSync(join(dir, name), { force: true });
  }
  for (const name of wanted) {
    try {
      lstatSync(join(dir, name));
    } catch {
      symlinkSync(`${DATA_LINK}/${name}`, join(dir, name));
    }
  }
  if (old !== undefined) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}
