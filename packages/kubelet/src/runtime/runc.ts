/**
 * The runc backend: the process runtime's shim (shim.ts) runs `runc run` in the foreground for each
 * container, so exit codes, logs, stop and recovery work as for the process runtime; runc's exit status is
 * the container's (128+n when it was killed by signal n).
 *
 * Per attempt, the attempt directory is an OCI bundle: `config.json` and `rootfs`, a private copy of the
 * image's root (writable, removed with the attempt; simple and leaves no mounts behind, but costs a copy
 * of the image per start — fine for small images, an overlay would be the next step).
 *
 * Cgroups: the shim places itself in the container's cgroup C (created by the CgroupManager with the
 * limits) before it execs runc, so runc counts towards C; runc puts the container in `C/ctr`
 * (linux.cgroupsPath), below C's limits, so memory and pids limits stay on C. `runc run --keep` leaves
 * `C/ctr` after the exit, so its oom_kill count (cgroup v1 counts it only there) decides OOMKilled; then
 * cleanup() deletes runc's state and cgroups, including the directories runc made in the hierarchies the
 * CgroupManager does not manage (devices, blkio, ...).
 *
 * Stop: the process runtime sends SIGTERM to runc alone (the pid it records), which forwards it to the
 * container's init (which, as pid 1 of its namespace, ignores it without a handler, as upstream); SIGKILL
 * at the end of the grace period goes to every process below C except the shim, runc and the container alike. cleanup() runs `runc delete --force` for the state runc keeps under
 * `<root-dir>/runc`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { CgroupManager, ContainerCgroup } from '../cgroups/index.js';
import { findImage, normaliseImageName, type ImageConfig } from './image-store.js';
import { DEFAULT_PATH, ProcessRuntime, type ContainerLauncher, type ProcessRuntimeOptions } from './process-runtime.js';
import { ContainerConfigError, ImagePullError, type ContainerConfig } from './types.js';

const run = promisify(execFile);

/** The capabilities a container gets (the usual default set of container runtimes). */
const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The cgroup (below the container's) runc places the container's processes in. */
export const RUNC_CGROUP_LEAF = 'ctr';

export interface RuncLauncherOptions {
  /** The kubelet's root directory: images under `images/`, runc's state under `runc/`. */
  rootDir: string;
  cgroups: CgroupManager;
  /** The runc binary. Default `runc` (from PATH). */
  runc?: string;
}

/** The OCI runtime spec (config.json) of one container. */
export function runcSpec(config: ContainerConfig, args: string[], env: Record<string, string>, cwd: string, cgroupsPath: string): object {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd,
      capabilities: Object.fromEntries(['bounding', 'effective', 'permitted'].map((k) => [k, DEFAULT_CAPABILITIES])),
      noNewPrivileges: false,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: config.hostname ?? config.podName,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      ...(config.mounts ?? []).map((m) => ({
        destination: m.containerPath,
        type: 'bind',
        source: m.hostPath,
        options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
      })),
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/sched_debug', '/sys/firmware'],
      readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** The runc launcher for the process runtime (see the file comment). */
export function runcLauncher(options: RuncLauncherOptions): ContainerLauncher {
  const runc = options.runc ?? 'runc';
  const stateRoot = join(options.rootDir, 'runc');
  const cgroupMounts = (): string[] =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' - '))
      .filter(([, fs]) => fs !== undefined && /^cgroup2? /.test(fs))
      .map(([before]) => (before ?? '').split(' ')[4] ?? '')
      .filter((p) => p !== '');
  return {
    helperProcesses: 1,
    readsImageConfig: true,
    async prepare(id: string, dir: string, config: ContainerConfig, cgroup: ContainerCgroup): Promise<string[]> {
      if (config.image === undefined) throw new TypeError('the runc runtime needs the container image');
      const name = normaliseImageName(config.image);
      const image = findImage(options.rootDir, name);
      if (image === undefined) {
        throw new ImagePullError(`failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${name}: not found`);
      }
      const imageEnv = Object.fromEntries(
        (image.config.Env ?? []).map((e) => [e.slice(0, Math.max(0, e.indexOf('='))), e.slice(e.indexOf('=') + 1)]),
      );
      const env = { PATH: DEFAULT_PATH, HOSTNAME: config.hostname ?? config.podName, ...imageEnv, ...config.env };
      const cwd = config.workingDir ?? (image.config.WorkingDir || '/');
      const argv = imageArgv(config, image.config);
      if (argv.length === 0)
        throw new ContainerConfigError(
          `container ${config.containerName}: no command specified (neither the pod nor the image ${name} has one)`,
        );
      const mount = options.cgroups.hierarchyMounts()[0] as string;
      const cgroupsPath = `/${relative(mount, join(cgroup.dirs[0] as string, RUNC_CGROUP_LEAF))}`;
      await run('cp', ['-a', image.rootfs, join(dir, 'rootfs')]);
      writeFileSync(join(dir, 'config.json'), `${JSON.stringify(runcSpec(config, argv, env, cwd, cgroupsPath), null, 2)}\n`);
      // --keep: the container's cgroup (with its oom_kill count) stays until cleanup().
      return [runc, '--root', stateRoot, 'run', '--keep', '--bundle', dir, id];
    },
    oomKillCount(cgroup: ContainerCgroup): number | undefined {
      // cgroup v1 counts an OOM kill only in the victim's own cgroup, runc's leaf below the container's.
      const file = cgroup.version === 1 ? 'memory.oom_control' : 'memory.events';
      try {
        const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(cgroup.memoryDir, RUNC_CGROUP_LEAF, file), 'utf8'));
        return m === null ? undefined : Number(m[1]);
      } catch {
        return undefined;
      }
    },
    execPrefix(id: string): string[] {
      return [runc, '--root', stateRoot, 'exec', id];
    },
    async cleanup(id: string, dir: string): Promise<void> {
      await run(runc, ['--root', stateRoot, 'delete', '--force', id]).catch(() => undefined);
      // runc's directories in the hierarchies the CgroupManager does not manage, up to the cgroup root.
      let spec: { linux?: { cgroupsPath?: string } } = {};
      try {
        spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as typeof spec;
      } catch {
        return;
      }
      const path = spec.linux?.cgroupsPath;
      if (path === undefined) return;
      const managed = new Set(options.cgroups.hierarchyMounts());
      const parts = path.split('/').filter((p) => p !== '');
      const rootDepth = options.cgroups.rootName.split('/').length;
      for (const m of cgroupMounts().filter((m) => !managed.has(m))) {
        for (let n = parts.length; n >= rootDepth; n--) {
          try {
            const d = join(m, ...parts.slice(0, n));
            if (readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory())) break;
            rmdirSync(d);
          } catch {
            if (n < parts.length) break;
          }
        }
      }
    },
  };
}

/** A process runtime whose containers run through runc from the local image store. */
export function createRuncRuntime(options: ProcessRuntimeOptions & { runc?: string }): ProcessRuntime {
  const launcherOptions: RuncLauncherOptions = { rootDir: options.rootDir, cgroups: options.cgroups };
  if (options.runc !== undefined) launcherOptions.runc = options.runc;
  return new ProcessRuntime({ ...options, launcher: runcLauncher(launcherOptions) });
}

/**
 * The process a container runs from its spec and its image, with Kubernetes' rules: a command replaces the
 * image's Entrypoint (and its Cmd is then ignored); args replace the image's Cmd; with neither, Entrypoint
 * then Cmd. An empty list counts as absent. A config made without `command` and `args` (only `argv`) runs argv.
 */
export function imageArgv(
  config: Pick<ContainerConfig, 'argv' | 'command' | 'args'>,
  image: Pick<ImageConfig, 'Entrypoint' | 'Cmd'>,
): string[] {
  if (config.command === undefined && config.args === undefined && config.argv.length > 0) return config.argv;
  const args = config.args !== undefined && config.args.length > 0 ? config.args : undefined;
  if (config.command !== undefined && config.command.length > 0) return [...config.command, ...(args ?? [])];
  return [...(image.Entrypoint ?? []), ...(args ?? image.Cmd ?? [])];
}
