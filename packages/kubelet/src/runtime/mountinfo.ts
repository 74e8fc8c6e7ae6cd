/** What is mounted, from /proc/self/mountinfo (the runtime hides the kubelet's own mounts from containers; the volume manager cleans up). */
import { readFileSync } from 'node:fs';

/** Mount points from /proc/self/mountinfo (field 5, octal escapes such as `\040` decoded). */
export function listMountPoints(): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) out.push(field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountPointsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return listMountPoints()
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
