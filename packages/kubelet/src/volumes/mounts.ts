/**
 * Host mounts the volume manager makes (tmpfs for memory-backed volumes) and reads back: mount(8) and
 * umount(8) from util-linux, /proc/self/mountinfo for what is mounted.
 */
import { spawnSync } from 'node:child_process';
import { listMountPoints } from '../runtime/mountinfo.js';

export { listMountPoints, mountPointsUnder } from '../runtime/mountinfo.js';

export function isMountPoint(dir: string): boolean {
  return listMountPoints().includes(dir);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error !== undefined) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || `exit ${r.status ?? r.signal}`).trim()}`);
}

/** Mounts a tmpfs on `dir` (which must exist): `mode` for its root, `sizeBytes` its limit (none: the kernel's default, half of RAM). */
export function mountTmpfs(dir: string, options: { mode: number; sizeBytes?: number }): void {
  const opts = [`mode=${options.mode.toString(8).padStart(4, '0')}`, 'nosuid', 'nodev'];
  if (options.sizeBytes !== undefined && options.sizeBytes > 0) opts.push(`size=${options.sizeBytes}`);
  run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
}

/** Unmounts `dir`; a busy mount is detached lazily (it disappears once the last user is gone). */
export function unmount(dir: string): void {
  try {
    run('umount', [dir]);
  } catch {
    run('umount', ['-l', dir]);
  }
}
