export { Kubelet } from './kubelet.js';
export type { KubeletEvictionOptions, KubeletOptions } from './kubelet.js';
export { DEFAULT_EVICTION_HARD, parseEvictionThresholds } from './eviction/index.js';
export type { EvictionThreshold } from './eviction/index.js';
export { buildNode, hostCapacity, allocatable, KUBELET_VERSION } from './node-status.js';
export type { NodeFacts } from './node-status.js';
export { computePodStatus, podPhase, containerStatus, statusChanged, stableJson } from './pod-status.js';
export type { ContainerView } from './pod-status.js';
export { containerConfig, ContainerConfigError, expandVars } from './container-config.js';
export { createRuncRuntime, ImagePullError, ProcessRuntime } from './runtime/index.js';
export type { ImageConfig, StoredImage } from './runtime/image-store.js';
export { findImage, importImage, normaliseImageName } from './runtime/image-store.js';
export type { ContainerRuntime, ContainerConfig, ContainerMount, ContainerState } from './runtime/index.js';
export { CgroupManager, detectCgroupLayout } from './cgroups/index.js';
export type { CgroupLayout } from './cgroups/index.js';
export { createCgroupStatsReader, nativeCgroupStatsAvailable, TsCgroupStatsReader, measureStatsReaders } from './stats/index.js';
export type { CgroupStats, CgroupStatsReader, CgroupPaths } from './stats/index.js';
export { StatsCollector } from './stats/summary.js';
export type { PodStatsSummary, ContainerStatsSummary } from './stats/summary.js';
export {
  HollowFleet,
  HOLLOW_NODE_DEFAULTS,
  HOLLOW_LABEL,
  hollowNode,
  hollowPodStatus,
  parseDelayRange,
  leasesServed,
  LeaseHeartbeat,
  NodeStatusHeartbeat,
  NODE_LEASE_NAMESPACE,
  SpreadTicker,
  KeepAliveApi,
} from './hollow/index.js';
export type {
  HollowFleetOptions,
  HollowFleetStats,
  HollowNodeSpec,
  DelayRange,
  Heartbeat,
  HeartbeatMethod,
  HeartbeatTarget,
  HollowPodStage,
  HollowPodPhase,
  HollowApi,
} from './hollow/index.js';
export {
  createProbePoller,
  NativeProbePoller,
  TsProbePoller,
  ProberManager,
  proberMetrics,
  MAX_PROBE_OUTPUT_BYTES,
  PROBE_USER_AGENT,
} from './probes/index.js';
export type {
  PollerBatch,
  PollerOptions,
  ProbePoller,
  ProbePollerKind,
  ProbeRunResult,
  ProbeSpec,
  ProbeKind,
  ProberEvents,
  ProberManagerOptions,
  ProberMetrics,
  ProbeType,
  ProbeTarget,
} from './probes/index.js';
export { VolumeManager, VolumeError, mountPointsUnder, unmount } from './volumes/index.js';
export type { VolumeManagerOptions } from './volumes/index.js';
export { ensurePodCgroup, podCgroupLimits, podQosClass, QOS_PARENTS } from './cgroups/index.js';
export type { PodQosClass } from './cgroups/index.js';
export { planInitContainers, isSidecar } from './lifecycle/init-containers.js';
export type { InitPlan, InitContainerFacts } from './lifecycle/init-containers.js';
export { runLifecycleHook, graceLeftAfterHook, MIN_GRACE_AFTER_HOOK_SECONDS } from './lifecycle/hooks.js';
export type { HookOutcome, LifecycleHandler } from './lifecycle/hooks.js';
export { plegRelistObserver } from './metrics/pleg.js';
export { resourceMetricsRegistry } from './metrics/resource-metrics.js';
export type { ResourceMetricsSource } from './metrics/resource-metrics.js';
export { parseMeminfoWorkingSet, parseProcStatCpu, readNodeUsage } from './stats/node-usage.js';
export { adoptedOrphanZombies, Subreaper } from './runtime/index.js';
export type { SubreaperCalls, SubreaperOptions } from './runtime/index.js';
export { loadNodeAgent } from './stats/native-reader.js';
