/** Whether a path names a file this process may execute (what execve needs of argv[0]). */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';

/** True when `p` is a regular file with execute permission for this process. */
export function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
