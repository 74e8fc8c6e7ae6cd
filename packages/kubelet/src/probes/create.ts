/** Builds a probe poller of either kind. */
import type { PollerOptions, ProbePoller, ProbePollerKind } from './contract.js';
import { NativeProbePoller } from './native-poller.js';
import { TsProbePoller } from './ts-poller.js';

/** Creates a poller of the given kind ('native' throws when the addon is not built). */
export function createProbePoller(kind: ProbePollerKind, options: PollerOptions): ProbePoller {
  return kind === 'native' ? new NativeProbePoller(options) : new TsProbePoller(options);
}
