/**
 * The process container runtime: each container is a process tree in its own cgroup, started through the
 * shim (shim.ts) so it survives the kubelet and its exit status is recorded on disk (layout in state.ts).
 *
 * Lifecycle and who learns what:
 * - startContainer(): validates the config, resolves argv[0] in the container's PATH and checks the
 *   working directory (failures reject before anything is created), creates the cgroup with its limits,
 *   spawns the shim detached, waits for its pid file (the container process exists and is in the cgroup),
 *   writes state.json and resolves with the id. If the shim fails (placement, pid file) everything created
 *   for the attempt is removed and the promise rejects with the shim's log output.
 * - Exit: the shim writes the exit file and exits. A container this runtime started is noticed by the
 *   shim's 'exit' event; one recovered from an earlier runtime by polling (every `pollIntervalMs`): exit
 *   file present, or shim no longer the same live process (pid + /proc start time). A shim gone without
 *   an exit file counts as killed: exit code 137. On an exit the runtime decides the reason (0 Completed;
 *   an OOM kill in the cgroup and a non-zero code OOMKilled; otherwise Error), writes finished.json,
 *   SIGKILLs what is left in the cgroup (the container is over once its main process is, as with a pid
 *   namespace), and then calls the onExit listeners once.
 * - A container counts as running while its shim is alive; `pid` is the container's main process (the
 *   shim's child), which is what `kill` from outside should target.
 * - pids.max is the container's pidsLimit + 1 (+ 2 more when isolated): the shim, unshare and the namespace's
 *   init live in the container's cgroup too.
 * - Isolation (isolation.ts): by default each container runs in its own mount, PID, UTS and IPC namespaces
 *   (those the host allows, detected once and logged) inside a root assembled from bind mounts of the
 *   host's top-level directories plus `config.mounts`; `pid` is then the container process's host pid.
 *
 * One runtime per state directory at a time. close() leaves containers running; a new runtime on the same
 * directory recovers them (and reports exits that happened meanwhile to its first onExit listener).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { tracer } from '@skiff/telemetry';
import type { CgroupManager, ContainerCgroup } from '../cgroups/index.js';
import { appendLogIndex, followLogFile, lastIndexedOffset, readLogFile } from './logs.js';
import { isSameProcessAlive, readProcStat } from './proc.js';
import { parseExitFile, parsePidFile, SHIM_SCRIPT, shimArgs } from './shim.js';
import {
  attemptDir,
  CONFIG_FILE,
  containerId,
  containerNameDir,
  ensureDir,
  EXIT_FILE,
  FINISHED_FILE,
  listAttempts,
  listDirs,
  LOG_FILE,
  LOG_INDEX_FILE,
  PID_FILE,
  podDir,
  podsDir,
  readJson,
  readText,
  STATE_FILE,
  writeJsonAtomic,
  type ConfigRecord,
  type FinishRecord,
  type StartRecord,
} from './state.js';
import {
  ContainerConfigError,
  ContainerNotFoundError,
  type ContainerConfig,
  type ContainerExitReason,
  type ContainerRuntime,
  type ContainerState,
  type ContainerSummary,
  type ExitListener,
  type FollowLogOptions,
  type ReadLogOptions,
  type RuntimeLogger,
} from './types.js';
import { isExecutableFile } from './executable.js';
import {
  buildRootPlan,
  detectNamespaces,
  helperProcessCount,
  isolatedArgv,
  MAIN_PID_FILE,
  NO_NAMESPACES,
  nsenterArgv,
  type NamespaceSupport,
} from './isolation.js';

/** Spans of container creation (cgroup, process), children of the kubelet's `container start` span. */
const runtimeTracer = tracer('kubelet');

export interface ProcessRuntimeOptions {
  /** The state directory (layout in state.ts); created when missing. */
  rootDir: string;
  /** The cgroup manager containers are placed with (its root name separates kubelets and tests). */
  cgroups: CgroupManager;
  logger?: RuntimeLogger;
  /** How often recovered containers are checked for exit and logs are indexed. Default 500 ms. */
  pollIntervalMs?: number;
  /** The POSIX shell that runs the shim. Default /bin/sh. */
  shell?: string;
  /** How long startContainer() waits for the shim to report the container's pid. Default 10 s. */
  startTimeoutMs?: number;
  /** 'auto' (default): namespaces and an assembled root where the host allows; 'none': plain host processes (no mounts). */
  isolation?: 'auto' | 'none';
  /** Called after each poll pass with its duration in seconds (kubelet_pleg_relist_duration_seconds). */
  onRelist?: (seconds: number) => void;
  /** Runs each container through another program (an OCI runtime: runc.ts) instead of namespaces of our own. */
  launcher?: ContainerLauncher;
}

/**
 * What a backend plugs into the shim: the argv the shim execs (its exit status is the container's), the
 * exec-probe prefix, and the cleanup of what it created. The process runtime keeps the shim, the cgroup
 * (created with the limits before the shim runs), logs, exit files and recovery.
 */
export interface ContainerLauncher {
  /** Runtime processes per container besides the shim (e.g. 1 for a foreground `runc run`). */
  readonly helperProcesses: number;
  /** True when prepare() fills a missing command or args from the image's Entrypoint and Cmd (so argv may be empty). */
  readonly readsImageConfig: boolean;
  /** Prepares the attempt directory (bundle) and returns the argv for the shim; throws before anything runs. */
  prepare(id: string, dir: string, config: ContainerConfig, cgroup: ContainerCgroup): Promise<string[]>;
  /** The argv prefix that runs a command inside the running container. */
  execPrefix(id: string): string[];
  /** OOM kills of the exited container's processes (read before cleanup(); undefined when unknown). */
  oomKillCount(cgroup: ContainerCgroup): number | undefined;
  /** Removes what prepare() and the run left behind except the attempt directory: after the exit, after a failed start and before removal (idempotent). */
  cleanup(id: string, dir: string): Promise<void>;
}

/** PATH a container gets when its env has none (as containerd sets it). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

interface Entry {
  id: string;
  attempt: number;
  dir: string;
  config: ContainerConfig;
  cgroup: ContainerCgroup;
  shimPid: number;
  shimStartTicks: number;
  /** The start time of `state.pid` (the process the stop signal goes to), against pid reuse. */
  pidStartTicks: number;
  state: ContainerState;
  /** The shim when this runtime spawned it (its 'exit' event reports the exit). */
  child: ChildProcess | undefined;
  /** Started in its own namespaces (isolation.ts). */
  isolated: boolean;
  finalizing: Promise<void> | undefined;
  logIndexedTo: number;
  logIndexedAt: number;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

function signalFromExitCode(code: number): string | undefined {
  return code > 128 && code <= 128 + 64 ? SIGNAL_NAMES.get(code - 128) : undefined;
}

function checkName(what: string, name: unknown): void {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.length > 253) {
    throw new TypeError(`invalid ${what}: ${JSON.stringify(name)} (letters, digits, '.' and '-' only)`);
  }
}

/** Checks the config; `imageDefaults`: the launcher fills a missing command from the image (argv may be empty). */
function validateConfig(config: ContainerConfig, imageDefaults: boolean): void {
  checkName('pod uid', config.podUid);
  checkName('container name', config.containerName);
  if (!Array.isArray(config.argv) || config.argv.some((a) => typeof a !== 'string')) {
    throw new TypeError('argv must be an array of strings');
  }
  if (config.argv.length === 0 && !imageDefaults) {
    throw new ContainerConfigError(
      `container ${config.containerName} has no command or args: the process runtime runs commands from the host and does not read the image's entrypoint`,
    );
  }
  if (config.argv.length > 0 && config.argv[0] === '') throw new TypeError('argv[0] must not be empty');
  for (const [k, v] of Object.entries(config.env)) {
    if (k === '' || k.includes('=') || k.includes('\0') || typeof v !== 'string' || v.includes('\0')) {
      throw new TypeError(`invalid environment variable ${JSON.stringify(k)}`);
    }
  }
  if (config.workingDir !== undefined && !isAbsolute(config.workingDir)) {
    throw new TypeError(`workingDir must be absolute: ${config.workingDir}`);
  }
}

/** Throws as a CRI runtime does when argv[0] cannot be executed, before anything is created. */
function checkExecutable(arg0: string, path: string, cwd: string): void {
  if (arg0.includes('/')) {
    if (!isExecutableFile(resolve(cwd, arg0))) throw new Error(`exec: ${JSON.stringify(arg0)}: no such executable file`);
    return;
  }
  for (const dir of path.split(':')) {
    if (isExecutableFile(resolve(cwd, dir === '' ? '.' : dir, arg0))) return;
  }
  throw new Error(`exec: ${JSON.stringify(arg0)}: executable file not found in $PATH`);
}

function readExitCode(dir: string): { code: number; at: Date } | undefined {
  const text = readText(join(dir, EXIT_FILE));
  const code = text === undefined ? undefined : parseExitFile(text);
  if (code === undefined) return undefined;
  let at = new Date();
  try {
    at = statSync(join(dir, EXIT_FILE)).mtime;
  } catch {
    // keep now
  }
  return { code, at };
}

export class ProcessRuntime implements ContainerRuntime {
  private readonly rootDir: string;
  private readonly cgroups: CgroupManager;
  private readonly logger: RuntimeLogger | undefined;
  private readonly pollIntervalMs: number;
  private readonly shell: string;
  private readonly startTimeoutMs: number;
  private readonly namespaces: NamespaceSupport;
  private readonly onRelist: ((seconds: number) => void) | undefined;
  private readonly launcher: ContainerLauncher | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly starting = new Set<string>();
  private readonly listeners: ExitListener[] = [];
  /** Exits seen before any listener was registered (e.g. during recovery), delivered to the first one. */
  private readonly pendingExits: Array<{ id: string; state: ContainerState }> = [];
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  /** Recovers every container found in `rootDir` (synchronously) and starts polling. */
  constructor(options: ProcessRuntimeOptions) {
    this.rootDir = resolve(options.rootDir);
    this.cgroups = options.cgroups;
    this.logger = options.logger;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.shell = options.shell ?? '/bin/sh';
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.launcher = options.launcher;
    this.namespaces = options.isolation === 'none' || this.launcher !== undefined ? NO_NAMESPACES : detectNamespaces();
    const missing = (['mount', 'pid', 'uts', 'ipc'] as const).filter((k) => !this.namespaces[k]);
    if (options.isolation !== 'none' && this.launcher === undefined && missing.length > 0) {
      this.logger?.warn({ missing }, 'this host does not allow some namespaces: containers run without them');
    }
    this.onRelist = options.onRelist;
    ensureDir(podsDir(this.rootDir));
    this.recover();
    this.timer = setInterval(() => this.tick(), this.pollIntervalMs);
    this.timer.unref();
  }

  async startContainer(config: ContainerConfig): Promise<string> {
    if (this.closed) throw new Error('runtime is closed');
    validateConfig(config, this.launcher?.readsImageConfig === true);
    const { podUid, containerName } = config;
    const key = `${podUid}/${containerName}`;
    if (this.starting.has(key)) throw new Error(`container ${key} is already being started`);
    this.starting.add(key);
    try {
      for (const e of this.entries.values()) {
        if (e.config.podUid !== podUid || e.config.containerName !== containerName) continue;
        if (e.state.state === 'running') throw new Error(`container ${key} is running (${e.id})`);
        await e.finalizing;
      }
      const env: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: config.podName, ...config.env };
      const cwd = config.workingDir ?? '/';
      // The launcher's own runtime checks the image's root for the working directory and executable.
      if (this.launcher !== undefined) return await this.spawnAttempt(config, env, cwd);
      const mounts = config.mounts ?? [];
      if (mounts.length > 0 && !this.namespaces.mount) {
        throw new Error('volume mounts need a private mount namespace, which this host does not allow');
      }
      // A working directory inside a volume exists only in the container's root.
      const inMount = mounts.some((m) => cwd === m.containerPath || cwd.startsWith(`${m.containerPath}/`));
      let cwdOk = inMount;
      try {
        cwdOk ||= statSync(cwd).isDirectory();
      } catch {
        // missing: cwdOk stays as it was
      }
      if (!cwdOk) throw new Error(`working directory ${cwd} does not exist`);
      if (!inMount) checkExecutable(config.argv[0] as string, env['PATH'] ?? '', cwd);
      return await this.spawnAttempt(config, env, cwd);
    } finally {
      this.starting.delete(key);
    }
  }

  private async spawnAttempt(config: ContainerConfig, env: Record<string, string>, cwd: string): Promise<string> {
    const { podUid, containerName } = config;
    const attempts = listAttempts(this.rootDir, podUid, containerName);
    const attempt = (attempts[attempts.length - 1] ?? -1) + 1;
    const id = containerId(podUid, containerName, attempt);
    const dir = attemptDir(this.rootDir, podUid, containerName, attempt);
    const cg = this.cgroups.containerCgroup(podUid, containerName);
    let cgroupCreated = false;
    let child: ChildProcess | undefined;
    let processSpan: Span | undefined;
    try {
      ensureDir(dir);
      const record: ConfigRecord = { id, attempt, createdAt: new Date().toISOString(), config };
      writeJsonAtomic(join(dir, CONFIG_FILE), record);
      // A fresh cgroup per attempt: counters such as oom_kill must not carry over from the previous one.
      const cgroupSpan = runtimeTracer.startSpan('cgroup create', {
        attributes: { 'k8s.container.name': containerName, 'k8s.pod.uid': podUid },
      });
      try {
        await this.cgroups.removeContainerCgroup(podUid, containerName, { kill: true });
        cgroupCreated = true;
        const pidsLimit = config.limits.pidsLimit;
        this.cgroups.createContainerCgroup(podUid, containerName, {
          ...config.limits,
          pidsLimit: pidsLimit !== undefined && pidsLimit > 0 ? pidsLimit + this.helperProcessesPerContainer : undefined,
        });
      } finally {
        cgroupSpan.end();
      }
      // From spawning the shim until the container's process exists inside its cgroup.
      processSpan = runtimeTracer.startSpan('spawn process', {
        attributes: { 'k8s.container.name': containerName, 'k8s.pod.uid': podUid },
      });

      const isolated = this.namespaces.mount;
      // The pod's UTS and IPC namespaces are those of a running sibling, when there is one.
      const sibling = [...this.entries.values()].find((e) => e.config.podUid === podUid && e.isolated && e.state.state === 'running');
      const argv =
        this.launcher !== undefined
          ? await this.launcher.prepare(id, dir, config, cg)
          : isolated
            ? isolatedArgv({
                support: this.namespaces,
                joinPid: sibling?.state.pid,
                shell: this.shell,
                dir,
                hostname: config.hostname ?? config.podName,
                workingDir: cwd,
                ops: buildRootPlan(dir, config.mounts ?? [], [this.rootDir]),
                argv: config.argv,
              })
            : config.argv;
      const logFd = openSync(join(dir, LOG_FILE), 'a');
      try {
        child = spawn(this.shell, ['-c', SHIM_SCRIPT, ...shimArgs(dir, cg.procsFiles, argv)], {
          detached: true,
          stdio: ['ignore', logFd, logFd],
          env,
          cwd: isolated ? '/' : cwd,
        });
      } finally {
        closeSync(logFd);
      }
      child.unref();
      let spawnError: Error | undefined;
      let earlyExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      child.once('error', (err) => {
        spawnError = err;
      });
      child.once('exit', (code, signal) => {
        earlyExit = { code, signal };
        const entry = this.entries.get(id);
        if (entry !== undefined) this.onChildExit(entry, code, signal);
      });
      const shimPid = child.pid;
      const shimStartTicks = shimPid === undefined ? -1 : (readProcStat(shimPid)?.startTicks ?? -1);

      // Wait for the pid file: the container process exists, inside the cgroup.
      const deadline = Date.now() + this.startTimeoutMs;
      let pids: { pid: number; shimPid: number } | undefined;
      for (;;) {
        const text = readText(join(dir, PID_FILE));
        pids = text === undefined ? undefined : parsePidFile(text);
        if (pids !== undefined && isolated) {
          // The container process inside the namespaces reports its own host pid.
          const main = /^(\d+)\n$/.exec(readText(join(dir, MAIN_PID_FILE)) ?? '');
          pids = main === null ? undefined : { pid: Number(main[1]), shimPid: pids.shimPid };
        }
        if (pids !== undefined) break;
        if (spawnError !== undefined) throw new Error(`cannot start the shim: ${spawnError.message}`);
        if (earlyExit !== undefined) {
          const out = (readText(join(dir, LOG_FILE)) ?? '').trim();
          const how = earlyExit.code !== null ? `code ${earlyExit.code}` : `signal ${earlyExit.signal ?? '?'}`;
          throw new Error(`container did not start: the shim exited with ${how}${out === '' ? '' : `: ${out}`}`);
        }
        if (Date.now() > deadline) throw new Error(`container did not start within ${this.startTimeoutMs} ms`);
        await sleep(1);
      }
      processSpan.setAttribute('process.pid', pids.pid);
      processSpan.end();
      processSpan = undefined;
      const startedAt = new Date();
      const start: StartRecord = {
        shimPid: pids.shimPid,
        shimStartTicks,
        pid: pids.pid,
        pidStartTicks: readProcStat(pids.pid)?.startTicks ?? -1,
        startedAt: startedAt.toISOString(),
      };
      writeJsonAtomic(join(dir, STATE_FILE), start);
      const entry: Entry = {
        id,
        attempt,
        dir,
        config,
        cgroup: cg,
        shimPid: pids.shimPid,
        shimStartTicks,
        pidStartTicks: start.pidStartTicks,
        state: { state: 'running', pid: pids.pid, startedAt },
        child,
        isolated,
        finalizing: undefined,
        logIndexedTo: 0,
        logIndexedAt: 0,
      };
      this.entries.set(id, entry);
      this.logger?.info({ id, pid: pids.pid, shimPid: pids.shimPid }, 'container started');
      if (earlyExit !== undefined) this.onChildExit(entry, earlyExit.code, earlyExit.signal);
      return id;
    } catch (err) {
      processSpan?.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      processSpan?.end();
      if (child?.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (cgroupCreated) {
        await this.cgroups.removeContainerCgroup(podUid, containerName, { kill: true }).catch((e: unknown) => {
          this.logger?.warn({ id, err: String(e) }, 'cannot remove the cgroup of a failed start');
        });
      }
      await this.launcher?.cleanup(id, dir).catch((e: unknown) => {
        this.logger?.warn({ id, err: String(e) }, 'cannot clean up a failed start');
      });
      rmSync(dir, { recursive: true, force: true });
      this.removeIfEmpty(containerNameDir(this.rootDir, podUid, containerName));
      throw err;
    }
  }

  get helperProcessesPerContainer(): number {
    return this.launcher !== undefined ? 1 + this.launcher.helperProcesses : helperProcessCount(this.namespaces);
  }

  execPrefix(id: string): string[] {
    const entry = this.entries.get(id);
    if (this.launcher !== undefined) return entry?.state.state === 'running' ? this.launcher.execPrefix(id) : [];
    if (entry === undefined || entry.state.state !== 'running' || !entry.isolated) return [];
    return nsenterArgv(this.namespaces, entry.state.pid);
  }

  cgroupProcsFiles(id: string): string[] {
    return this.entries.get(id)?.cgroup.procsFiles ?? [];
  }

  async stopContainer(id: string, gracePeriodSeconds: number): Promise<void> {
    const entry = this.get(id);
    if (entry.state.state === 'running') {
      const exclude = [entry.shimPid];
      this.signalMain(entry, 'SIGTERM');
      if (!(await this.waitExit(entry, Math.max(0, gracePeriodSeconds) * 1000))) {
        this.logger?.info({ id, gracePeriodSeconds }, 'grace period over; killing the container');
        await this.cgroups.killAll(entry.cgroup, 'SIGKILL', { exclude });
        if (!(await this.waitExit(entry, 2000))) {
          // The shim did not record an exit (it may itself be stuck): kill it too; the exit counts as 137.
          if (isSameProcessAlive(entry.shimPid, entry.shimStartTicks)) {
            try {
              process.kill(entry.shimPid, 'SIGKILL');
            } catch {
              // gone meanwhile
            }
          }
          if (!(await this.waitExit(entry, 2000))) throw new Error(`container ${id} did not exit`);
        }
      }
    }
    await entry.finalizing;
    if (this.isLatest(entry)) await this.cgroups.killUntilEmpty(entry.cgroup);
  }

  /**
   * Sends `signal` to the container's main process only, as upstream's runtimes send the stop signal to the
   * container's init: its children get nothing until the main process exits (the PID namespace then ends)
   * or the grace period does. Isolated, the main process is the container's command (not the init script
   * above it, which forwards signals: signalling both would deliver the signal twice); with runc it is
   * runc, which forwards it to the container's init. A main process already gone is not an error.
   */
  private signalMain(entry: Entry, signal: NodeJS.Signals): void {
    const pid = entry.state.state === 'running' ? entry.state.pid : 0;
    if (pid <= 0 || !isSameProcessAlive(pid, entry.pidStartTicks)) return;
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (errCode(err) !== 'ESRCH') throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    const entry = this.get(id);
    if (entry.state.state === 'running') throw new Error(`container ${id} is running; stop it first`);
    await entry.finalizing;
    const { podUid, containerName } = entry.config;
    if (this.isLatest(entry)) await this.cgroups.removeContainerCgroup(podUid, containerName, { kill: true });
    await this.launcher?.cleanup(id, entry.dir);
    rmSync(entry.dir, { recursive: true, force: true });
    this.removeIfEmpty(containerNameDir(this.rootDir, podUid, containerName));
    this.entries.delete(id);
  }

  containerState(id: string): ContainerState | undefined {
    return this.entries.get(id)?.state;
  }

  listContainers(): ContainerSummary[] {
    return [...this.entries.values()].map((e) => ({ id: e.id, config: e.config, state: e.state }));
  }

  onExit(listener: ExitListener): void {
    this.listeners.push(listener);
    const pending = this.pendingExits.splice(0);
    for (const p of pending) this.deliver(p.id, p.state);
  }

  async readLog(podUid: string, containerName: string, options: ReadLogOptions = {}): Promise<string[]> {
    const dir = this.logAttemptDir(podUid, containerName, options.previous === true);
    const opts: { tailLines?: number; timestamps?: boolean } = {};
    if (options.tailLines !== undefined) opts.tailLines = options.tailLines;
    if (options.timestamps !== undefined) opts.timestamps = options.timestamps;
    return readLogFile(join(dir, LOG_FILE), join(dir, LOG_INDEX_FILE), opts);
  }

  followLog(podUid: string, containerName: string, options: FollowLogOptions): AsyncIterable<string> {
    const dir = this.logAttemptDir(podUid, containerName, false);
    const entry = [...this.entries.values()].find((e) => e.dir === dir);
    const isDone = (): boolean => this.closed || entry === undefined || entry.state.state === 'exited';
    const opts: { signal: AbortSignal; tailLines?: number; timestamps?: boolean; isDone: () => boolean } = {
      signal: options.signal,
      isDone,
    };
    if (options.tailLines !== undefined) opts.tailLines = options.tailLines;
    if (options.timestamps !== undefined) opts.timestamps = options.timestamps;
    return followLogFile(join(dir, LOG_FILE), join(dir, LOG_INDEX_FILE), opts);
  }

  async removePod(podUid: string): Promise<void> {
    checkName('pod uid', podUid);
    const mine = [...this.entries.values()].filter((e) => e.config.podUid === podUid);
    const running = mine.filter((e) => e.state.state === 'running');
    if (running.length > 0) throw new Error(`pod ${podUid} has running containers: ${running.map((e) => e.id).join(', ')}`);
    // Oldest attempts first, so the latest one (which owns the cgroup) is removed last.
    for (const e of mine.sort((a, b) => a.attempt - b.attempt)) await this.removeContainer(e.id);
    await this.cgroups.removePodCgroup(podUid, { kill: true });
    rmSync(podDir(this.rootDir, podUid), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const e of this.entries.values()) e.child?.removeAllListeners('exit');
    const pending = [...this.entries.values()].flatMap((e) => (e.finalizing === undefined ? [] : [e.finalizing.catch(() => undefined)]));
    await Promise.all(pending);
  }

  // ---- internals ----

  private get(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new ContainerNotFoundError(id);
    return entry;
  }

  /** The attempt directory whose log is read: the latest attempt, or the one before it. */
  private logAttemptDir(podUid: string, containerName: string, previous: boolean): string {
    checkName('pod uid', podUid);
    checkName('container name', containerName);
    const attempts = listAttempts(this.rootDir, podUid, containerName);
    const attempt = attempts[attempts.length - (previous ? 2 : 1)];
    if (attempt === undefined) throw new ContainerNotFoundError(`${podUid}/${containerName}${previous ? ' (previous)' : ''}`);
    return attemptDir(this.rootDir, podUid, containerName, attempt);
  }

  /** True when no later attempt of the same container exists: only then does the cgroup belong to it. */
  private isLatest(entry: Entry): boolean {
    for (const e of this.entries.values()) {
      if (e.config.podUid === entry.config.podUid && e.config.containerName === entry.config.containerName && e.attempt > entry.attempt)
        return false;
    }
    return true;
  }

  private removeIfEmpty(dir: string): void {
    try {
      rmdirSync(dir);
    } catch {
      // not empty or already gone
    }
  }

  private onChildExit(entry: Entry, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    const recorded = readExitCode(entry.dir);
    const fallback = code ?? 128 + (signal !== null ? (osConstants.signals[signal] ?? 9) : 9);
    void this.observeExit(entry, recorded?.code ?? fallback, recorded?.at ?? new Date());
  }

  /** Checks a running container for an exit (exit file, else shim liveness); starts finalizing when it has exited. */
  private checkExit(entry: Entry): void {
    if (entry.state.state !== 'running') return;
    let recorded = readExitCode(entry.dir);
    if (recorded === undefined) {
      if (isSameProcessAlive(entry.shimPid, entry.shimStartTicks)) return;
      recorded = readExitCode(entry.dir); // the shim may have written it just before exiting
    }
    void this.observeExit(entry, recorded?.code, recorded?.at ?? new Date());
  }

  /** Waits up to `ms` for the container to exit (checking every 20 ms); true when it has. */
  private async waitExit(entry: Entry, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.checkExit(entry);
      if (entry.state.state === 'exited') return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(20, left));
    }
  }

  /**
   * Records an exit once: the state changes at once, then leftovers are killed and listeners called.
   * `code` undefined: the shim vanished without recording one (137).
   */
  private observeExit(entry: Entry, code: number | undefined, finishedAt: Date): Promise<void> {
    if (entry.finalizing !== undefined) return entry.finalizing;
    const exitCode = code ?? 137;
    const latest = this.isLatest(entry);
    let reason: ContainerExitReason = exitCode === 0 ? 'Completed' : 'Error';
    if (exitCode !== 0 && latest) {
      const kills = this.launcher !== undefined ? this.launcher.oomKillCount(entry.cgroup) : this.cgroups.oomKillCount(entry.cgroup);
      const oom = kills !== undefined ? kills > 0 : (this.cgroups.memoryFailCount(entry.cgroup) ?? 0) > 0 && exitCode === 137;
      if (oom) reason = 'OOMKilled';
    }
    const running = entry.state;
    const state: ContainerState = {
      state: 'exited',
      pid: running.pid,
      startedAt: running.startedAt,
      finishedAt,
      exitCode,
      reason,
    };
    const signal = signalFromExitCode(exitCode);
    if (signal !== undefined) state.signal = signal;
    entry.state = state;
    const finish: FinishRecord = { finishedAt: finishedAt.toISOString(), exitCode, reason };
    if (signal !== undefined) finish.signal = signal;
    try {
      writeJsonAtomic(join(entry.dir, FINISHED_FILE), finish);
    } catch (err) {
      this.logger?.warn({ id: entry.id, err: String(err) }, 'cannot record the container exit');
    }
    this.indexLog(entry, true);
    this.logger?.info({ id: entry.id, exitCode, reason, signal }, 'container exited');
    entry.finalizing = (async () => {
      if (latest) {
        try {
          await this.cgroups.killUntilEmpty(entry.cgroup);
        } catch (err) {
          this.logger?.warn({ id: entry.id, err: String(err) }, 'cannot kill the processes left in the container');
        }
      }
      await this.launcher?.cleanup(entry.id, entry.dir).catch((err: unknown) => {
        this.logger?.warn({ id: entry.id, err: String(err) }, 'cannot clean up after the container');
      });
      this.deliver(entry.id, state);
    })();
    return entry.finalizing;
  }

  private deliver(id: string, state: ContainerState): void {
    if (this.closed) return;
    if (this.listeners.length === 0) {
      this.pendingExits.push({ id, state });
      return;
    }
    for (const l of this.listeners) {
      try {
        l(id, state);
      } catch (err) {
        this.logger?.error({ id, err: String(err) }, 'exit listener failed');
      }
    }
  }

  /** Appends a log index entry when the log grew (at most once a second unless `force`). */
  private indexLog(entry: Entry, force = false): void {
    const now = Date.now();
    if (!force && now - entry.logIndexedAt < 1000) return;
    try {
      const size = statSync(join(entry.dir, LOG_FILE)).size;
      if (size > entry.logIndexedTo) {
        appendLogIndex(join(entry.dir, LOG_INDEX_FILE), size, new Date(now));
        entry.logIndexedTo = size;
        entry.logIndexedAt = now;
      }
    } catch (err) {
      if (errCode(err) !== 'ENOENT') this.logger?.warn({ id: entry.id, err: String(err) }, 'cannot index the log');
    }
  }

  private tick(): void {
    const started = performance.now();
    for (const entry of this.entries.values()) {
      if (entry.state.state !== 'running') continue;
      this.indexLog(entry);
      if (entry.child === undefined) this.checkExit(entry);
    }
    this.onRelist?.((performance.now() - started) / 1000);
  }

  /** Loads every attempt first (so isLatest() is right), then checks the unfinished ones for exits. */
  private recover(): void {
    const checks: Array<() => void> = [];
    for (const podUid of listDirs(podsDir(this.rootDir))) {
      for (const name of listDirs(podDir(this.rootDir, podUid))) {
        for (const attempt of listAttempts(this.rootDir, podUid, name)) {
          try {
            const check = this.recoverAttempt(podUid, name, attempt);
            if (check !== undefined) checks.push(check);
          } catch (err) {
            this.logger?.warn({ podUid, container: name, attempt, err: String(err) }, 'cannot recover container');
          }
        }
      }
    }
    for (const check of checks) check();
  }

  /** Loads one attempt; returns the exit check to run once all are loaded (none when it had finished). */
  private recoverAttempt(podUid: string, name: string, attempt: number): (() => void) | undefined {
    const dir = attemptDir(this.rootDir, podUid, name, attempt);
    const record = readJson<ConfigRecord>(join(dir, CONFIG_FILE));
    if (record === undefined || record.config?.podUid !== podUid || record.config.containerName !== name) {
      this.logger?.warn({ dir }, 'skipping a container directory without a valid config.json');
      return undefined;
    }
    const cgroup = this.cgroups.containerCgroup(podUid, name);
    let start = readJson<StartRecord>(join(dir, STATE_FILE));
    if (start === undefined) {
      // The previous runtime died between the shim's pid file and state.json: trust the pids only if the
      // shim is still in the container's cgroup.
      const text = readText(join(dir, PID_FILE));
      const pids = text === undefined ? undefined : parsePidFile(text);
      if (pids !== undefined) {
        const inCgroup = this.cgroups.pids(cgroup).includes(pids.shimPid);
        let startedAt = new Date(record.createdAt);
        try {
          startedAt = statSync(join(dir, PID_FILE)).mtime;
        } catch {
          // keep createdAt
        }
        // Isolated, the pid file names unshare; the container's own process wrote main-pid.
        const main = /^(\d+)\n$/.exec(readText(join(dir, MAIN_PID_FILE)) ?? '');
        const pid = main === null ? pids.pid : Number(main[1]);
        start = {
          shimPid: pids.shimPid,
          shimStartTicks: inCgroup ? (readProcStat(pids.shimPid)?.startTicks ?? -1) : -1,
          pid,
          pidStartTicks: readProcStat(pid)?.startTicks ?? -1,
          startedAt: startedAt.toISOString(),
        };
        writeJsonAtomic(join(dir, STATE_FILE), start);
      }
    }
    const entry: Entry = {
      id: record.id,
      attempt,
      dir,
      config: record.config,
      cgroup,
      shimPid: start?.shimPid ?? 0,
      shimStartTicks: start?.shimStartTicks ?? -1,
      pidStartTicks: start?.pidStartTicks ?? -1,
      state: { state: 'running', pid: start?.pid ?? 0, startedAt: new Date(start?.startedAt ?? record.createdAt) },
      child: undefined,
      isolated: existsSync(join(dir, MAIN_PID_FILE)),
      finalizing: undefined,
      logIndexedTo: lastIndexedOffset(join(dir, LOG_INDEX_FILE)),
      logIndexedAt: 0,
    };
    this.entries.set(entry.id, entry);
    const finished = readJson<FinishRecord>(join(dir, FINISHED_FILE));
    if (finished !== undefined) {
      const running = entry.state;
      entry.state = {
        state: 'exited',
        pid: running.pid,
        startedAt: running.startedAt,
        finishedAt: new Date(finished.finishedAt),
        exitCode: finished.exitCode,
        reason: finished.reason,
      };
      if (finished.signal !== undefined) entry.state.signal = finished.signal;
      entry.finalizing = Promise.resolve();
      return undefined;
    }
    if (start === undefined) {
      // The start never completed: report it as a failed start (exit code 128, as CRI runtimes do).
      return () => void this.observeExit(entry, 128, new Date(record.createdAt));
    }
    return () => this.checkExit(entry);
  }
}
