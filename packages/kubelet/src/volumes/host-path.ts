/** hostPath volumes: the path's type check (and creation for the *OrCreate types), as upstream's hostPath plugin does. */
import { mkdirSync, openSync, closeSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { ProjectionError } from './projection.js';

const CHECKS: Record<string, { test: (s: Stats) => boolean; what: string }> = {
  Directory: { test: (s) => s.isDirectory(), what: 'a directory' },
  File: { test: (s) => s.isFile(), what: 'a file' },
  Socket: { test: (s) => s.isSocket(), what: 'a socket file' },
  CharDevice: { test: (s) => s.isCharacterDevice(), what: 'a character device' },
  BlockDevice: { test: (s) => s.isBlockDevice(), what: 'a block device' },
};

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Checks (and for DirectoryOrCreate / FileOrCreate creates) a hostPath volume's path; returns the normalized
 * path. Type "" (unset) checks nothing. FileOrCreate does not create missing parent directories (as upstream).
 */
export function prepareHostPath(path: string, type: string | undefined): string {
  if (!isAbsolute(path)) throw new ProjectionError(`hostPath ${JSON.stringify(path)} must be an absolute path`);
  const p = normalize(path);
  const t = type ?? '';
  if (t === '') return p;
  const st = statOrUndefined(p);
  if (t === 'DirectoryOrCreate') {
    if (st === undefined) mkdirSync(p, { recursive: true, mode: 0o755 });
    else if (!st.isDirectory()) throw new ProjectionError(`hostPath type check failed: ${p} is not a directory`);
    return p;
  }
  if (t === 'FileOrCreate') {
    if (st === undefined) {
      try {
        closeSync(openSync(p, 'a', 0o644));
      } catch (err) {
        throw new ProjectionError(
          `hostPath type check failed: cannot create file ${p}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    } else if (!st.isFile()) throw new ProjectionError(`hostPath type check failed: ${p} is not a file`);
    return p;
  }
  const check = CHECKS[t];
  if (check === undefined) throw new ProjectionError(`hostPath type ${JSON.stringify(t)} is not supported`);
  if (st === undefined || !check.test(st)) throw new ProjectionError(`hostPath type check failed: ${p} is not ${check.what}`);
  return p;
}
