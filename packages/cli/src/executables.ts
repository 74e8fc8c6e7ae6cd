import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The full path of an executable on PATH (plus /usr/sbin and /usr/local/bin), or undefined. */
export function findExecutable(name: string, pathVar: string = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [...pathVar.split(delimiter), '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
