/**
 * Cgroup layout detection. The kubelet calls detectCgroupLayout() once at start-up and hands the
 * result to a CgroupManager; nothing else in the kubelet looks at /proc/self/mountinfo.
 */
import { readFileSync } from 'node:fs';

/** Mount points of the v1 controllers the kubelet uses (`cpu` and `cpuacct` are the same path when mounted joined). */
export interface CgroupV1MountPoints {
  memory: string;
  cpu: string;
  cpuacct: string;
  /** Absent when the kernel has no pids controller mounted; a pids limit then fails. */
  pids?: string;
  /** Absent when no freezer is mounted; killAll() then signals without freezing first. */
  freezer?: string;
}

/**
 * Where the cgroup hierarchy lives.
 * - `version: 2`: the unified hierarchy mounted at `mountPoint` (normally /sys/fs/cgroup).
 * - `version: 1`: one mount per controller (also the "hybrid" layout, where /sys/fs/cgroup/unified is an
 *   extra cgroup2 mount without useful controllers: it is ignored).
 */
export type CgroupLayout = { version: 2; mountPoint: string } | { version: 1; mountPoints: CgroupV1MountPoints };

/** The default place where a pure v2 system mounts the unified hierarchy. */
export const DEFAULT_CGROUP_MOUNT = '/sys/fs/cgroup';

interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Undoes the octal escapes (`\040` for a space, ...) of mountinfo paths. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    const mountPoint = fields[4];
    const fsType = fields[sep + 1];
    if (sep < 0 || mountPoint === undefined || fsType === undefined) continue;
    out.push({
      mountPoint: unescapeMountPath(mountPoint),
      fsType,
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return out;
}

/**
 * Decides the layout from the text of a mountinfo file (exported for tests; detectCgroupLayout() reads
 * /proc/self/mountinfo). Rules, in order:
 * 1. a cgroup2 mount at `preferredMount` (default /sys/fs/cgroup) → v2 there;
 * 2. v1 mounts of `memory`, `cpu` and `cpuacct` → v1 (first mount of each controller, preferring mounts
 *    under `preferredMount`);
 * 3. any other cgroup2 mount → v2 there (the first one).
 * Throws an Error when none applies.
 */
export function parseCgroupLayout(mountinfo: string, preferredMount: string = DEFAULT_CGROUP_MOUNT): CgroupLayout {
  const mounts = parseMountinfo(mountinfo);
  const v2 = mounts.filter((m) => m.fsType === 'cgroup2');
  if (v2.some((m) => m.mountPoint === preferredMount)) return { version: 2, mountPoint: preferredMount };

  const v1: Record<string, string> = {};
  const under = (p: string): boolean => p === preferredMount || p.startsWith(preferredMount + '/');
  for (const m of mounts) {
    if (m.fsType !== 'cgroup') continue;
    for (const opt of m.superOptions) {
      if (!['memory', 'cpu', 'cpuacct', 'pids', 'freezer'].includes(opt)) continue;
      const prev = v1[opt];
      if (prev === undefined || (!under(prev) && under(m.mountPoint))) v1[opt] = m.mountPoint;
    }
  }
  const { memory, cpu, cpuacct, pids, freezer } = v1;
  if (memory !== undefined && cpu !== undefined && cpuacct !== undefined) {
    const mountPoints: CgroupV1MountPoints = { memory, cpu, cpuacct };
    if (pids !== undefined) mountPoints.pids = pids;
    if (freezer !== undefined) mountPoints.freezer = freezer;
    return { version: 1, mountPoints };
  }
  const first = v2[0];
  if (first !== undefined) return { version: 2, mountPoint: first.mountPoint };
  throw new Error('no usable cgroup layout: neither a cgroup2 mount nor v1 memory, cpu and cpuacct mounts');
}

/** Reads /proc/self/mountinfo (or `mountinfoPath`) and returns the layout, as parseCgroupLayout() decides it. */
export function detectCgroupLayout(mountinfoPath: string = '/proc/self/mountinfo'): CgroupLayout {
  return parseCgroupLayout(readFileSync(mountinfoPath, 'utf8'));
}
