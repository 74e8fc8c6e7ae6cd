/** Probes: the poller contract, its native and TypeScript implementations, and the kubelet's prober manager. */
export type { PollerBatch, PollerOptions, ProbePoller, ProbePollerKind, ProbeRunResult, ProbeSpec, ProbeKind } from './contract.js';
export { MAX_PROBE_OUTPUT_BYTES, PROBE_USER_AGENT } from './contract.js';
export { NativeProbePoller } from './native-poller.js';
export { TsProbePoller } from './ts-poller.js';
export { createProbePoller } from './create.js';
export { ProberManager } from './manager.js';
export type { ProberEvents, ProberManagerOptions } from './manager.js';
export { proberMetrics } from './metrics.js';
export type { ProberMetrics } from './metrics.js';
export type { ProbeType } from './probe-state.js';
export type { ProbeTarget } from './probe-spec.js';
