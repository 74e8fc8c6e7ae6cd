/** A minimal image root for runc tests: the static busybox (Debian busybox-static) with its applets linked in /bin. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the static busybox lives; tests that need it skip when it is missing (setup.sh installs it). */
export const BUSYBOX = '/bin/busybox';

/** True when runc and busybox are installed and we are root. */
export function runcAvailable(): boolean {
  if (process.getuid?.() !== 0 || !existsSync(BUSYBOX)) return false;
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Builds a busybox root filesystem in `dir` (created). */
export function makeBusyboxRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  execFileSync('chmod', ['755', join(dir, 'bin', 'busybox')]);
  // Inside the root, so the applet links point at /bin/busybox as the container sees it.
  execFileSync('chroot', [dir, '/bin/busybox', '--install', '-s', '/bin']);
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n');
}
