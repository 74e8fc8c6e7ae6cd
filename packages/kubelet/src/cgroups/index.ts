/**
 * Cgroups for the kubelet: layout detection (v1 per-controller mounts or the v2 unified hierarchy) and
 * the manager of the `<root>/kubepods[/burstable|/besteffort]/pod<uid>/<container>` tree with Kubernetes'
 * limit conversions.
 */
export type { CgroupLayout, CgroupV1MountPoints } from './layout.js';
export { DEFAULT_CGROUP_MOUNT, detectCgroupLayout, parseCgroupLayout } from './layout.js';
export {
  CFS_PERIOD_US,
  MAX_SHARES,
  MIN_QUOTA_US,
  MIN_SHARES,
  SHARES_PER_CPU,
  cpuSharesToWeight,
  milliCpuToQuota,
  milliCpuToShares,
} from './convert.js';
export type {
  Cgroup,
  CgroupLimits,
  CgroupLogger,
  CgroupManagerOptions,
  CgroupPaths,
  ContainerCgroup,
  KillAllOptions,
  PodCgroup,
  PodQosClass,
  RemoveCgroupOptions,
} from './manager.js';
export { CgroupManager, QOS_PARENTS } from './manager.js';
export { ensurePodCgroup, podCgroupLimits, podQosClass } from './pod-tree.js';
