/**
 * Container isolation with util-linux's unshare(1): each container gets its own mount, PID, UTS and IPC
 * namespaces (as far as the host allows) and a root directory assembled from bind mounts of the host's
 * top-level directories plus its volume mounts, so a volume at /etc/config appears there inside the
 * container while the host's /etc is untouched.
 *
 * The shim (shim.ts) is unchanged: it places itself in the cgroup, and its child writes the pid file and
 * execs `unshare … sh -c INIT_SCRIPT …`, so everything below is born inside the cgroup. Inside:
 * 1. `unshare --mount --propagation private [--uts] [--ipc] [--pid --fork --kill-child]` starts the init
 *    script (PID 1 of the new PID namespace; it dies with unshare);
 * 2. the init script carries out the root plan (buildRootPlan(): rbind host dirs, overlays where a mount
 *    point must be created inside a host directory, the volumes, a fresh /proc, an empty tmpfs over the
 *    runtime's state directory so no container sees another's state or volumes), all in the private mount
 *    namespace, so none of it is visible to the host and all of it vanishes with the namespace;
 * 3. it sets the hostname (only inside its own UTS namespace), forks the container process, which writes
 *    its host pid (read from the host's /proc before entering the new root) to `<attempt dir>/main-pid`
 *    and execs `unshare --root=<root> --wd=<workingDir> argv` (a chroot plus chdir);
 * 4. as PID 1 it forwards TERM INT HUP QUIT USR1 USR2 to the container process (a PID 1 without handlers
 *    would ignore them), waits for it and exits with its status (128+n for signal n), which unshare and
 *    the shim pass on. When PID 1 exits the kernel kills whatever else is left in the namespace.
 *
 * Exit code 125 from the init script: the root could not be assembled (its message is in the log).
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { mountPointsUnder } from './mountinfo.js';
import type { ContainerMount } from './types.js';

/** What the host allows, detected once per runtime. */
export interface NamespaceSupport {
  /** Private mount namespace + `unshare --root` (chroot): needed for volumes and the assembled root. */
  mount: boolean;
  pid: boolean;
  uts: boolean;
  ipc: boolean;
  /** `env --default-signal` (coreutils ≥ 8.31): undoes the SIGINT/SIGQUIT ignore of a background job. */
  defaultSignal: boolean;
}

export const NO_NAMESPACES: NamespaceSupport = { mount: false, pid: false, uts: false, ipc: false, defaultSignal: false };

/** The init script's exit code when the container's root cannot be assembled. */
export const INIT_EXIT_ROOT_FAILED = 125;
/** The file the container process writes its host pid to, before it execs. */
export const MAIN_PID_FILE = 'main-pid';

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return r.error === undefined && r.status === 0;
}

/** Tries each namespace on its own (a few ms each; run once at runtime start). Not root: none. */
export function detectNamespaces(): NamespaceSupport {
  if (process.getuid?.() !== 0) return NO_NAMESPACES;
  return {
    mount: works('unshare', ['--mount', '--propagation', 'private', '--root=/', '--wd=/', 'true']),
    pid: works('unshare', ['--pid', '--fork', '--kill-child', 'true']),
    uts: works('unshare', ['--uts', 'true']),
    ipc: works('unshare', ['--ipc', 'true']),
    defaultSignal: works('env', ['--default-signal', 'true']),
  };
}

/** Processes of ours in a container's cgroup besides its own: the shim, plus unshare and the init when isolated. */
export function helperProcessCount(support: NamespaceSupport): number {
  if (!support.mount) return 1;
  return support.pid ? 3 : 2;
}

export const INIT_SCRIPT = [
  'd=$1; root=$2; host=$3; wd=$4; n=$5; sig=$6; shift 6',
  'while [ "$n" -gt 0 ]; do',
  '  op=$1; a=$2; b=$3; shift 3; n=$((n - 1))',
  '  case $op in',
  '    rbind) mount --rbind "$a" "$root$b" ;;',
  '    ro) mount -o remount,bind,ro "$root$b" ;;',
  '    ovl) { [ -d "$d/ovl/.m" ] || { mount -t tmpfs -o mode=0700 skiff-overlay "$d/ovl" && mkdir "$d/ovl/.m"; }; } &&',
  '      mkdir -p "$d/ovl/$b/u" "$d/ovl/$b/w" &&',
  '      mount -t overlay overlay -o "lowerdir=$a,upperdir=$d/ovl/$b/u,workdir=$d/ovl/$b/w" "$root$a" ;;',
  '    mkdir) mkdir -p "$root$b" ;;',
  '    touch) mkdir -p "$root$a" && : > "$root$b" ;;',
  '    proc) mount -t proc -o nosuid,nodev,noexec proc "$root$b" ;;',
  '    hide) { [ -z "$b" ] || printf "%s\\n" "$b" | xargs -d "\\n" umount -l; } && mount -t tmpfs -o mode=0755,size=64k skiff-hidden "$root$a" ;;',
  '    *) false ;;',
  '  esac || { echo "skiff: cannot assemble the container root: $op $a $b" >&2; exit 125; }',
  'done',
  '[ -z "$host" ] || echo "$host" > /proc/sys/kernel/hostname || exit 125',
  // The log stays on fd 3 for the container; the init's own notices ("Terminated") go nowhere.
  'exec 3>&2 2>/dev/null',
  'for s in TERM INT HUP QUIT USR1 USR2; do trap "kill -$s \\$c 2>/dev/null" "$s"; done',
  '(',
  '  exec 2>&3 3>&-',
  '  read -r p _ < /proc/self/stat || exit 122',
  '  echo "$p" > "$d/main-pid" || exit 122',
  '  if [ "$sig" = 1 ]; then exec env --default-signal unshare --root="$root" --wd="$wd" -- "$@"; fi',
  '  exec unshare --root="$root" --wd="$wd" -- "$@"',
  ') &',
  'c=$!',
  'while :; do wait "$c"; s=$?; kill -0 "$c" 2>/dev/null || break; done',
  'exit "$s"',
].join('\n');

/** Thrown for a mount the plan cannot make (bad path, a symlink on the way, a file over a directory). */
export class MountPlanError extends Error {}

/** A normalized absolute container path without `..`; throws otherwise. */
function containerPath(path: string): string {
  if (!isAbsolute(path)) throw new MountPlanError(`mount path ${JSON.stringify(path)} must be absolute`);
  const p = normalize(path).replace(/\/+$/, '');
  if (p === '' || p === '/proc' || p.startsWith('/proc/')) throw new MountPlanError(`cannot mount over ${JSON.stringify(path)}`);
  if (p.includes('\0')) throw new MountPlanError('mount path contains a NUL byte');
  return p;
}

/**
 * The container path with the symlinks of its existing prefix resolved inside the root (the container's
 * root is the host's tree, so a mount at `/var/run/x` where `/var/run` → `/run` lands at `/run/x`, as
 * runc resolves mount destinations inside the rootfs); absolute targets restart from the root, `..` never
 * leaves it. The first missing component ends the walk (the rest is appended as is).
 */
export function resolveInRoot(path: string, hostRoot = '/'): string {
  let resolved: string[] = [];
  let rest = path.split('/').filter((c) => c !== '');
  for (let hops = 0; rest.length > 0;) {
    const part = rest.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(hostRoot, ...resolved, part);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return `/${[...resolved, part, ...rest].join('/')}`;
    }
    if (!st.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new MountPlanError(`mount path ${JSON.stringify(path)}: too many levels of symbolic links`);
    const target = readlinkSync(host);
    if (isAbsolute(target)) resolved = [];
    rest = [...target.split('/').filter((c) => c !== ''), ...rest];
  }
  return `/${resolved.join('/')}`;
}

/** Walks `rel` below `base` on the host: 'missing' at the first absent component, else the leaf's kind; throws on a symlink. */
function probe(base: string, rel: string): 'missing' | 'dir' | 'file' {
  let cur = base;
  for (const part of rel.split('/').filter((c) => c !== '')) {
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return 'missing';
    }
    if (st.isSymbolicLink()) throw new MountPlanError(`mount path crosses a symlink at ${cur}`);
  }
  return statSync(cur).isDirectory() ? 'dir' : 'file';
}

/**
 * Prepares `<dir>/root` and returns the init script's operations as flat triples `op a b`.
 *
 * When every mount point is below an existing top-level directory of the host, the root is one recursive
 * bind of the host's `/` (the cheap common case). Otherwise (a mount at a new top-level path such as
 * `/data`) `<dir>/root` is assembled entry by entry: mount points and the host's top-level symlinks are
 * made on the host's disk inside the attempt directory, and each top-level directory or file is bound.
 */
export function buildRootPlan(dir: string, requested: readonly ContainerMount[], hide: readonly string[] = [], hostRoot = '/'): string[] {
  const mounts = requested.map((m) => ({ ...m, containerPath: resolveInRoot(containerPath(m.containerPath), hostRoot) }));
  if (/[,:]/.test(dir)) throw new MountPlanError(`the runtime's state directory must not contain ',' or ':' (${dir})`);
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  mkdirSync(join(dir, 'ovl'), { recursive: true });
  const ops: string[] = [];
  const hostDirs = new Set<string>();
  const entries = readdirSync(hostRoot, { withFileTypes: true });
  const topLevels = mounts.map((m) => containerPath(m.containerPath).split('/')[1] as string);
  const wholeRoot = topLevels.every((top) => entries.some((e) => e.name === top && e.isDirectory()));
  if (wholeRoot) {
    for (const e of entries) if (e.isDirectory() && e.name !== 'proc') hostDirs.add(e.name);
    ops.push('rbind', hostRoot, '/');
  }
  for (const e of wholeRoot ? [] : entries) {
    if (e.name === 'proc') continue;
    const host = join(hostRoot, e.name);
    if (e.isSymbolicLink()) symlinkSync(readlinkSync(host), join(root, e.name));
    else if (e.isDirectory()) {
      mkdirSync(join(root, e.name));
      hostDirs.add(e.name);
    } else if (e.isFile()) {
      writeFileSync(join(root, e.name), '');
    } else continue;
    if (!e.isSymbolicLink()) ops.push('rbind', host, `/${e.name}`);
  }
  if (!wholeRoot) mkdirSync(join(root, 'proc'));
  ops.push('proc', '-', '/proc');
  // The kubelet's own directories (other containers' state, other pods' volumes) are replaced by an empty
  // tmpfs; their mounts (secret tmpfs of other pods) are detached first, so this container holds none of them.
  for (const path of hide) {
    const top = path.split('/')[1] ?? '';
    if (
      !isAbsolute(path) ||
      path.includes('\n') ||
      !(wholeRoot ? entries.some((e) => e.name === top && e.isDirectory()) : hostDirs.has(top))
    )
      continue;
    ops.push(
      'hide',
      path,
      mountPointsUnder(path)
        .map((m) => `${root}${m}`)
        .join('\n'),
    );
  }

  const overlaid = new Set<string>();
  const placed: Array<{ path: string; hostPath: string }> = [];
  const sorted = mounts
    .map((m, i) => ({ m, i, path: containerPath(m.containerPath) }))
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.i - b.i);
  for (const { m, path } of sorted) {
    let isDir: boolean;
    try {
      isDir = statSync(m.hostPath).isDirectory();
    } catch {
      throw new MountPlanError(`mount source ${m.hostPath} does not exist`);
    }
    const leaf = isDir ? 'dir' : 'file';
    const owner = [...placed].reverse().find((p) => path.startsWith(`${p.path}/`));
    if (owner !== undefined) {
      // Inside an earlier volume: the mount point is made in that volume (as runc does).
      const rel = path.slice(owner.path.length + 1);
      const kind = probe(owner.hostPath, rel);
      if (kind === 'missing') makeMountPoint(join(owner.hostPath, rel), isDir);
      else if (kind !== leaf) throw new MountPlanError(`cannot mount a ${leaf} over the ${kind} ${path}`);
    } else {
      const [top, ...rest] = path.slice(1).split('/') as [string, ...string[]];
      const rel = rest.join('/');
      if (!hostDirs.has(top)) {
        if (existsOnHost(join(hostRoot, top)))
          throw new MountPlanError(`cannot mount below ${JSON.stringify(`/${top}`)}: not a directory on this host`);
        makeMountPoint(join(root, path), isDir);
      } else if (rel !== '') {
        const kind = probe(join(hostRoot, top), rel);
        if (kind === 'missing') {
          // The mount point must be created inside a host directory: an overlay of it takes the new entry.
          if (!overlaid.has(top)) ops.push('ovl', join(hostRoot, top), top);
          overlaid.add(top);
          if (isDir) ops.push('mkdir', '-', path);
          else ops.push('touch', path.slice(0, path.lastIndexOf('/')), path);
        } else if (kind !== leaf) throw new MountPlanError(`cannot mount a ${leaf} over the ${kind} ${path}`);
      } else if (!isDir) throw new MountPlanError(`cannot mount a file over the directory ${path}`);
    }
    ops.push('rbind', m.hostPath, path);
    if (m.readOnly) ops.push('ro', '-', path);
    placed.push({ path, hostPath: m.hostPath });
  }
  return ops;
}

function existsOnHost(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function makeMountPoint(path: string, isDir: boolean): void {
  if (isDir) mkdirSync(path, { recursive: true });
  else {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '', { flag: 'a' });
  }
}

/** nsenter(1) into a running container's namespaces, root and working directory (the process `pid` is in them). */
export function nsenterArgv(support: NamespaceSupport, pid: number): string[] {
  const flags = ['--mount'];
  if (support.uts) flags.push('--uts');
  if (support.ipc) flags.push('--ipc');
  if (support.pid) flags.push('--pid');
  return ['nsenter', `--target=${pid}`, ...flags, '--root', '--wd', '--'];
}

/**
 * The argv the shim execs for an isolated container: unshare with the namespaces the host allows, the init
 * script and its arguments, then the container's argv.
 */
export function isolatedArgv(options: {
  support: NamespaceSupport;
  /** A running container of the same pod: its UTS and IPC namespaces are joined instead of new ones made. */
  joinPid?: number | undefined;
  shell: string;
  dir: string;
  hostname: string;
  workingDir: string;
  ops: readonly string[];
  argv: readonly string[];
}): string[] {
  const { support, joinPid } = options;
  const enter: string[] = [];
  if (joinPid !== undefined && (support.uts || support.ipc)) {
    enter.push('nsenter', `--target=${joinPid}`);
    if (support.uts) enter.push('--uts');
    if (support.ipc) enter.push('--ipc');
    enter.push('--');
  }
  const flags = ['--mount', '--propagation', 'private'];
  if (support.uts && enter.length === 0) flags.push('--uts');
  if (support.ipc && enter.length === 0) flags.push('--ipc');
  if (support.pid) flags.push('--pid', '--fork', '--kill-child');
  return [
    ...enter,
    'unshare',
    ...flags,
    '--',
    options.shell,
    '-c',
    INIT_SCRIPT,
    'skiff-init',
    options.dir,
    join(options.dir, 'root'),
    support.uts && enter.length === 0 ? options.hostname : '',
    options.workingDir,
    String(options.ops.length / 3),
    support.defaultSignal ? '1' : '0',
    ...options.ops,
    ...options.argv,
  ];
}
