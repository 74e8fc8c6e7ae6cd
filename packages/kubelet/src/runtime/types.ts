/**
 * The kubelet's container runtime interface: a CRI-shaped subset, small enough for the process runtime
 * (process-runtime.ts) and for a CRI client later.
 */

/** Resource limits of one container, as the kubelet computed them from the pod spec. */
export interface ContainerLimits {
  cpuLimitMilli?: number;
  cpuRequestMilli?: number;
  memoryLimitBytes?: number;
  /** Processes the container may run (the runtime's own helper process is not counted). */
  pidsLimit?: number;
}

/** A host path bound into the container (CRI's Mount): volumes, as the volume manager prepared them. */
export interface ContainerMount {
  /** Absolute path on the host: a directory or a file. */
  hostPath: string;
  /** Absolute path inside the container, where it appears without any change to the host's tree. */
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  podUid: string;
  podNamespace: string;
  podName: string;
  containerName: string;
  /**
   * What the process runtime runs: the container's command followed by its args, or its args alone when it
   * has no command (as for an image without an entrypoint). Empty when the spec has neither: only a launcher
   * that reads the image's Entrypoint and Cmd (runc) can start such a container.
   */
  argv: string[];
  /**
   * The spec's command and args ($(VAR) references expanded), undefined when absent: a launcher with images
   * fills what is missing from the image's Entrypoint and Cmd with Kubernetes' rules.
   */
  command?: string[];
  args?: string[];
  /** The container's whole environment (PATH defaults to the usual system PATH and HOSTNAME to the pod name when absent). */
  env: Record<string, string>;
  /** Absolute directory the process starts in; must exist (default `/`). */
  workingDir?: string;
  limits: ContainerLimits;
  /** Bind mounts into the container's own root (needs the mount namespace; see isolation.ts). */
  mounts?: ContainerMount[];
  /** The container's hostname in its UTS namespace (default: the pod name). */
  hostname?: string;
  /** The pod spec's image (the process runtime ignores it; the runc backend runs it from its image store). */
  image?: string;
}

/** Why an exited container ended: exit code 0 → Completed; OOM kill in its cgroup → OOMKilled; otherwise Error. */
export type ContainerExitReason = 'Completed' | 'Error' | 'OOMKilled';

export type ContainerState =
  | { state: 'running'; pid: number; startedAt: Date }
  | {
      state: 'exited';
      pid: number;
      startedAt: Date;
      finishedAt: Date;
      /** 0-255; 128+n when the process was killed by signal n (as a shell reports it). */
      exitCode: number;
      /** Signal name inferred from an exit code 129..192 (a plain exit with such a code looks the same). */
      signal?: string;
      reason: ContainerExitReason;
    };

export interface ContainerSummary {
  id: string;
  config: ContainerConfig;
  state: ContainerState;
}

export interface ReadLogOptions {
  /** Only the last N lines. */
  tailLines?: number;
  /** Prefix each line with an RFC 3339 timestamp and a space, as `kubectl logs --timestamps` does. */
  timestamps?: boolean;
  /** The log of the attempt before the current one (`kubectl logs --previous`). */
  previous?: boolean;
}

export interface FollowLogOptions {
  /** Stops the stream (the iterator returns). */
  signal: AbortSignal;
  tailLines?: number;
  timestamps?: boolean;
}

export type ExitListener = (id: string, state: ContainerState) => void;

export interface ContainerRuntime {
  /** Creates the container's cgroup with its limits, starts argv inside it (placed in the cgroup BEFORE it executes anything of its own), records its state on disk, returns its id. */
  startContainer(config: ContainerConfig): Promise<string>;
  /**
   * SIGTERM to the container's main process (once; its children get nothing, as upstream), SIGKILL to every
   * process of the container after gracePeriodSeconds; resolves once none is left.
   */
  stopContainer(id: string, gracePeriodSeconds: number): Promise<void>;
  /** Removes a stopped container's cgroup and state (keeps nothing behind). */
  removeContainer(id: string): Promise<void>;
  containerState(id: string): ContainerState | undefined;
  /** Every container the runtime knows, including ones started by an earlier kubelet process that are still running or exited meanwhile (recovered from the state directory). */
  listContainers(): ContainerSummary[];
  /** Called once per container exit (also for recovered containers, detected by polling). */
  onExit(listener: ExitListener): void;
  /** The container's output lines, in order (its latest attempt, or the one before with `previous`). */
  readLog(podUid: string, containerName: string, options?: ReadLogOptions): Promise<string[]>;
  /** The last lines, then new lines as they are written, until the signal fires or the container has exited and everything is read. */
  followLog(podUid: string, containerName: string, options: FollowLogOptions): AsyncIterable<string>;
  /** The argv prefix that runs a command inside a running container's namespaces and root (exec probes); [] when it has none. */
  execPrefix(id: string): string[];
  /** How many of the runtime's own processes live in each container's cgroup (shim, and unshare and init when isolated). */
  readonly helperProcessesPerContainer: number;
  /** The cgroup.procs files of a container (where its exec probes are placed); [] for an unknown id. */
  cgroupProcsFiles(id: string): string[];
  /** Removes the pod cgroup and state dir after its containers are removed (exited ones still present are removed too). */
  removePod(podUid: string): Promise<void>;
  /** Stops polling; does NOT kill containers (a kubelet restart keeps them running). */
  close(): Promise<void>;
}

/** The logger shape the runtime takes (a pino Logger fits). */
export interface RuntimeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Thrown for an unknown container id or a container without any log. */
export class ContainerNotFoundError extends Error {
  constructor(what: string) {
    super(`container not found: ${what}`);
    this.name = 'ContainerNotFoundError';
  }
}

/**
 * The container's configuration cannot be run (e.g. no command anywhere): the kubelet reports the container
 * waiting with reason CreateContainerConfigError.
 */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** The container's image is not available to the runtime (the kubelet reports ErrImagePull / ImagePullBackOff). */
export class ImagePullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagePullError';
  }
}
