/**
 * `pluginConfig` args of the inter-pod plugins: InterPodAffinityArgs
 * (`hardPodAffinityWeight`, 0..100, default 1) and PodTopologySpreadArgs
 * (`defaultingType` System or List, `defaultConstraints` for List; no labelSelector allowed
 * in a default constraint, as upstream validates).
 */
import { SYSTEM_DEFAULT_CONSTRAINTS, type DefaultConstraint } from '../plugins/pod-topology-spread/constraints.js';

/** A configuration the scheduler cannot run with (thrown as the config module's ConfigurationError). */
type Fail = (message: string) => never;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `hardPodAffinityWeight` from InterPodAffinityArgs. */
export function parseHardPodAffinityWeight(args: unknown, field: string, fail: Fail): number {
  const w = isRecord(args) ? args['hardPodAffinityWeight'] : undefined;
  if (w === undefined) return 1;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100)
    fail(`${field}.hardPodAffinityWeight: must be an integer in [0, 100]`);
  return w;
}

/** The default constraints from PodTopologySpreadArgs (System: upstream's; List: the given ones, possibly none). */
export function parseDefaultConstraints(args: unknown, field: string, fail: Fail): readonly DefaultConstraint[] {
  if (!isRecord(args)) return SYSTEM_DEFAULT_CONSTRAINTS;
  const type = args['defaultingType'] ?? 'System';
  const list = args['defaultConstraints'] ?? [];
  if (!Array.isArray(list)) return fail(`${field}.defaultConstraints: must be a list`);
  if (type === 'System') {
    if (list.length > 0) fail(`${field}.defaultConstraints: must be empty when defaultingType is System`);
    return SYSTEM_DEFAULT_CONSTRAINTS;
  }
  if (type !== 'List') return fail(`${field}.defaultingType: unsupported value ${JSON.stringify(type)} (System or List)`);
  return list.map((c: unknown, i): DefaultConstraint => {
    const at = `${field}.defaultConstraints[${i}]`;
    if (!isRecord(c)) return fail(`${at}: must be an object`);
    if (c['labelSelector'] !== undefined) fail(`${at}.labelSelector: must not be set for default constraints`);
    const maxSkew = c['maxSkew'];
    if (typeof maxSkew !== 'number' || !Number.isInteger(maxSkew) || maxSkew < 1) fail(`${at}.maxSkew: must be an integer greater than 0`);
    const topologyKey = c['topologyKey'];
    if (typeof topologyKey !== 'string' || topologyKey === '') fail(`${at}.topologyKey: must be a non-empty string`);
    const when = c['whenUnsatisfiable'];
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') fail(`${at}.whenUnsatisfiable: must be DoNotSchedule or ScheduleAnyway`);
    return {
      maxSkew: maxSkew,
      topologyKey: topologyKey,
      whenUnsatisfiable: when,
    };
  });
}
