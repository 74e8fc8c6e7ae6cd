/** Probes: the poller contract, its native and TypeScript implementations, and the kubelet's prober manager. */
import type { PollerOptions, ProbePoller, ProbePollerKind } from './contract.js';
import { NativeProbePoller } from './native-poller.js';
import { TsProbePoller } from './ts-poller.js';

export type { PollerBatch, PollerOptions, ProbePoller, ProbePollerKind, ProbeRunResult, ProbeSpec, ProbeKind } from './contract.js';
export { MAX_PROBE_OUTPUT_BYTES, PROBE_USER_AGENT } from './contract.js';
export { NativeProbePoller } from './native-poller.js';
export { TsProbePoller } from './ts-poller.js';

/** Creates a poller of the given kind ('native' throws when the addon is not built). */
export function createProbePoller(kind: ProbePollerKind, options: PollerOptions): ProbePoller {
  return kind === 'native' ? new NativeProbePoller(options) : new TsProbePoller(options);
}
