export { Scheduler, needsScheduling } from './scheduler.js';
export { SCHEDULER_WATCHED_RESOURCES } from './watched-resources.js';
export type { SchedulerOptions } from './scheduler.js';
export { SchedulingQueue } from './queue.js';
export type { QueuedPod, SchedulingQueueOptions } from './queue.js';
export { ClusterState, nodeResources, occupiesNode, podHoldings } from './cluster-state.js';
export { unschedulableMessage } from './messages.js';
export { createSchedulerCore, TsSchedulerCore, NativeSchedulerCore, measureCores } from './core/index.js';
export type { SchedulerCore, NodeResources, PodRequests, ScheduleResult, SchedulerCoreKind } from './core/contract.js';
export { Framework, podInfo, coreRequests } from './framework/framework.js';
export type { CycleResult, FrameworkOptions } from './framework/framework.js';
export { Code, status, SKIP, isRejection } from './framework/status.js';
export type { Status, StatusCode } from './framework/status.js';
export { ActionType, eventMatches } from './framework/events.js';
export type { ClusterEvent, EventResource } from './framework/events.js';
export { CycleState, MAX_NODE_SCORE } from './framework/interfaces.js';
export type {
  BindPlugin,
  Diagnosis,
  EnqueueExtensions,
  FilterPlugin,
  FrameworkHandle,
  PermitPlugin,
  Plugin,
  PodInfo,
  PostFilterPlugin,
  PreBindPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ReservePlugin,
  ScorePlugin,
} from './framework/interfaces.js';
export { NodeInfoStore, normalizedImageName } from './framework/node-info.js';
export type { NodeInfo, HostPort, PodUsage } from './framework/node-info.js';
export { podResources } from './framework/resources.js';
export type { PodResources } from './framework/resources.js';
export { fitErrorMessage } from './framework/diagnosis.js';
export { nodeUpdateActions } from './framework/node-events.js';
export { FrameworkMetrics, PLUGIN_METRICS_SAMPLE_PERCENT } from './framework/metrics.js';
export {
  ConfigurationError,
  DEFAULT_PLUGINS,
  DEFAULT_SCHEDULER_NAME,
  defaultProfiles,
  parseSchedulerConfiguration,
} from './framework/config.js';
export type { EnabledPlugin, ExtensionPointName, Profile } from './framework/config.js';
export { KNOWN_PLUGINS, createPlugin } from './plugins/registry.js';
export type { PluginContext, PluginFactory } from './plugins/registry.js';
export { WaitingPod, MAX_PERMIT_TIMEOUT_MS } from './framework/waiting-pods.js';
export { Nominator, podPriority } from './framework/nominator.js';
export type { NominatedPod } from './framework/nominator.js';
export type { PodOnNode, PreemptionHost } from './framework/preemption-host.js';
export { PreemptionActions } from './preemption-actions.js';
export {
  candidateCount,
  DefaultPreemption,
  DEFAULT_PREEMPTION,
  ERR_POLICY_NEVER,
  ERR_TERMINATING_ON_NOMINATED,
} from './plugins/default-preemption.js';
export {
  ERR_NO_VICTIMS,
  ERR_NOT_HELPFUL,
  moreImportantFirst,
  pickOneNodeForPreemption,
  podStartTime,
  selectVictimsOnNode,
} from './plugins/preemption-candidates.js';
export type { Candidate } from './plugins/preemption-candidates.js';
export { balancedScore } from './plugins/balanced-allocation.js';
export { imageScore } from './plugins/image-locality.js';
export { brokenLinear, leastRequested, mostRequested, strategyScore, DEFAULT_SCORING_STRATEGY } from './plugins/scoring-strategies.js';
export type { ScoringStrategy, ResourceWeight, ShapePoint } from './plugins/scoring-strategies.js';
export { untoleratedTaintReason } from './plugins/taint-toleration.js';
export { toleratesTaint } from './plugins/tolerations.js';
export { NO_CLUSTER_OBJECTS } from './framework/cluster-objects.js';
export type { ClusterObjects } from './framework/cluster-objects.js';
export { ClusterObjectInformers } from './cluster-objects.js';
export {
  InterPodAffinity,
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
} from './plugins/inter-pod-affinity/plugin.js';
export {
  PodTopologySpread,
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
} from './plugins/pod-topology-spread/plugin.js';
export { SYSTEM_DEFAULT_CONSTRAINTS } from './plugins/pod-topology-spread/constraints.js';
