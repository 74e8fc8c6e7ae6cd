/**
 * The kubelet's container runtime: a CRI-shaped interface (types.ts) and the process implementation
 * (process-runtime.ts: a shim per container, cgroups from ../cgroups, state on disk, recovery after a
 * kubelet restart).
 */
export type {
  ContainerConfig,
  ContainerExitReason,
  ContainerLimits,
  ContainerMount,
  ContainerRuntime,
  ContainerState,
  ContainerSummary,
  ExitListener,
  FollowLogOptions,
  ReadLogOptions,
  RuntimeLogger,
} from './types.js';
export { ContainerConfigError, ContainerNotFoundError, ImagePullError } from './types.js';
export type { ContainerLauncher, ProcessRuntimeOptions } from './process-runtime.js';
export type { RuncLauncherOptions } from './runc.js';
export { createRuncRuntime, imageArgv, runcLauncher, runcSpec, RUNC_CGROUP_LEAF } from './runc.js';
export { DEFAULT_PATH, ProcessRuntime } from './process-runtime.js';
export type { NamespaceSupport } from './isolation.js';
export { buildRootPlan, detectNamespaces, helperProcessCount, INIT_EXIT_ROOT_FAILED, MAIN_PID_FILE } from './isolation.js';
export { SHIM_EXIT_PID_FILE_FAILED, SHIM_EXIT_PLACEMENT_FAILED, SHIM_SCRIPT } from './shim.js';
export type { ConfigRecord, FinishRecord, StartRecord } from './state.js';
export { containerId } from './state.js';
export type { ProcStat } from './proc.js';
export { isSameProcessAlive, readProcStat } from './proc.js';
export type { SubreaperCalls, SubreaperOptions } from './subreaper.js';
export { adoptedOrphanZombies, Subreaper } from './subreaper.js';
