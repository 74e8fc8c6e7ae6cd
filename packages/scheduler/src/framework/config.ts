/**
 * `KubeSchedulerConfiguration` (kubescheduler.config.k8s.io/v1), the parts Skiff implements:
 * `profiles[].schedulerName`, `profiles[].plugins.<extension point>.{enabled,disabled}` with
 * score weights, and `pluginConfig` for NodeResourcesFit's `scoringStrategy`. Plugins merge
 * as upstream does: the default list minus `disabled` (`*` disables every default), an
 * enabled plugin that is a default keeps its place with the new weight, others are appended.
 */
import type { DefaultConstraint } from '../plugins/pod-topology-spread/constraints.js';
import { parseDefaultConstraints, parseHardPodAffinityWeight } from './inter-pod-args.js';
import { DEFAULT_SCORING_STRATEGY, type ResourceWeight, type ScoringStrategy, type ShapePoint } from '../plugins/scoring-strategies.js';

/** A plugin enabled at one extension point, with its score weight. */
export interface EnabledPlugin {
  readonly name: string;
  readonly weight: number;
}

/** The extension points a profile configures. */
export const EXTENSION_POINTS = ['preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind'] as const;
export type ExtensionPointName = (typeof EXTENSION_POINTS)[number];

/** One scheduling profile, fully resolved. */
export interface Profile {
  readonly schedulerName: string;
  readonly plugins: Readonly<Record<ExtensionPointName, readonly EnabledPlugin[]>>;
  readonly fitStrategy: ScoringStrategy;
  /** InterPodAffinityArgs.hardPodAffinityWeight (default 1). */
  readonly hardPodAffinityWeight?: number;
  /** PodTopologySpreadArgs' default constraints (default: upstream's system defaults). */
  readonly spreadDefaults?: readonly DefaultConstraint[];
}

/** The default scheduler name. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

const p = (name: string, weight = 0): EnabledPlugin => ({ name, weight });

/** Upstream's default profile, restricted to the plugins Skiff has, in upstream's order. */
export const DEFAULT_PLUGINS: Readonly<Record<ExtensionPointName, readonly EnabledPlugin[]>> = {
  // TaintToleration's PreFilter is Skiff's (Skip when no node has a hard taint).
  preFilter: [p('NodeAffinity'), p('NodePorts'), p('NodeName'), p('TaintToleration'), p('PodTopologySpread'), p('InterPodAffinity')],
  filter: [
    p('NodeUnschedulable'),
    p('NodeName'),
    p('TaintToleration'),
    p('NodeAffinity'),
    p('NodePorts'),
    p('NodeResourcesFit'),
    p('PodTopologySpread'),
    p('InterPodAffinity'),
  ],
  postFilter: [p('DefaultPreemption')],
  preScore: [
    p('TaintToleration'),
    p('NodeAffinity'),
    p('PodTopologySpread'),
    p('InterPodAffinity'),
    p('NodeResourcesBalancedAllocation'),
    p('ImageLocality'),
  ],
  score: [
    p('TaintToleration', 3),
    p('NodeAffinity', 2),
    p('NodeResourcesFit', 1),
    p('PodTopologySpread', 2),
    p('InterPodAffinity', 2),
    p('NodeResourcesBalancedAllocation', 1),
    p('ImageLocality', 1),
  ],
  reserve: [],
  permit: [],
  preBind: [],
  bind: [p('DefaultBinder')],
};

/** A configuration the scheduler cannot run with; the message names the field. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigurationError(`${field}: must be a list`);
  return value;
}

function str(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigurationError(`${field}: must be a non-empty string`);
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`${field}: must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function mergePlugins(defaults: readonly EnabledPlugin[], set: unknown, field: string, known: ReadonlySet<string>): EnabledPlugin[] {
  if (set === undefined) return [...defaults];
  if (!isRecord(set)) throw new ConfigurationError(`${field}: must be an object with enabled/disabled`);
  const enabled = list(set['enabled'], `${field}.enabled`).map((e, i) => {
    const at = `${field}.enabled[${i}]`;
    if (!isRecord(e)) throw new ConfigurationError(`${at}: must be an object`);
    const name = str(e['name'], `${at}.name`);
    if (!known.has(name)) throw new ConfigurationError(`${at}.name: unknown plugin "${name}"`);
    return { name, weight: e['weight'] === undefined ? 0 : int(e['weight'], `${at}.weight`, 0, 100) };
  });
  const disabled = new Set(
    list(set['disabled'], `${field}.disabled`).map((d, i) => {
      if (!isRecord(d)) throw new ConfigurationError(`${field}.disabled[${i}]: must be an object`);
      return str(d['name'], `${field}.disabled[${i}].name`);
    }),
  );
  const custom = new Map(enabled.map((e) => [e.name, e]));
  const merged: EnabledPlugin[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const override = custom.get(d.name);
      merged.push(override === undefined ? d : { name: d.name, weight: override.weight === 0 ? d.weight : override.weight });
      custom.delete(d.name);
    }
  }
  for (const e of enabled) if (custom.has(e.name)) merged.push(e);
  return merged;
}

function parseResources(value: unknown, field: string): ResourceWeight[] {
  const resources = list(value, field).map((r, i) => {
    if (!isRecord(r)) throw new ConfigurationError(`${field}[${i}]: must be an object`);
    return {
      name: str(r['name'], `${field}[${i}].name`),
      weight: r['weight'] === undefined ? 1 : int(r['weight'], `${field}[${i}].weight`, 1, 100),
    };
  });
  return resources.length === 0 ? [...DEFAULT_SCORING_STRATEGY.resources] : resources;
}

function parseShape(value: unknown, field: string): ShapePoint[] {
  const shape = list(value, field).map((s, i) => {
    if (!isRecord(s)) throw new ConfigurationError(`${field}[${i}]: must be an object`);
    const utilization = int(s['utilization'], `${field}[${i}].utilization`, 0, 100);
    // Configured scores are 0..10; scaled to 0..100 as upstream does.
    return { utilization, score: int(s['score'], `${field}[${i}].score`, 0, 10) * 10 };
  });
  if (shape.length === 0) throw new ConfigurationError(`${field}: at least one point is required`);
  for (let i = 1; i < shape.length; i++) {
    if (shape[i]!.utilization <= shape[i - 1]!.utilization) throw new ConfigurationError(`${field}[${i}].utilization: must be increasing`);
  }
  return shape;
}

function parseFitStrategy(args: unknown, field: string): ScoringStrategy {
  if (!isRecord(args)) return DEFAULT_SCORING_STRATEGY;
  const strategy = args['scoringStrategy'];
  if (strategy === undefined) return DEFAULT_SCORING_STRATEGY;
  if (!isRecord(strategy)) throw new ConfigurationError(`${field}.scoringStrategy: must be an object`);
  const type = strategy['type'] ?? 'LeastAllocated';
  const resources = parseResources(strategy['resources'], `${field}.scoringStrategy.resources`);
  if (type === 'LeastAllocated' || type === 'MostAllocated') return { type, resources };
  if (type === 'RequestedToCapacityRatio') {
    const ratio = strategy['requestedToCapacityRatio'];
    const shape = parseShape(isRecord(ratio) ? ratio['shape'] : undefined, `${field}.scoringStrategy.requestedToCapacityRatio.shape`);
    return { type, resources, shape };
  }
  throw new ConfigurationError(
    `${field}.scoringStrategy.type: unsupported value ${JSON.stringify(type)} (LeastAllocated, MostAllocated or RequestedToCapacityRatio)`,
  );
}

/** The default configuration: one profile, `default-scheduler`, upstream's default plugins. */
export function defaultProfiles(schedulerName = DEFAULT_SCHEDULER_NAME): Profile[] {
  return [{ schedulerName, plugins: DEFAULT_PLUGINS, fitStrategy: DEFAULT_SCORING_STRATEGY }];
}

/**
 * Resolves a parsed configuration document (YAML or JSON already decoded) into profiles.
 * `known` is the set of plugin names the registry can build. Throws {@link ConfigurationError}.
 */
export function parseSchedulerConfiguration(doc: unknown, known: ReadonlySet<string>): Profile[] {
  if (!isRecord(doc)) throw new ConfigurationError('configuration: must be an object');
  if (doc['kind'] !== undefined && doc['kind'] !== 'KubeSchedulerConfiguration') {
    throw new ConfigurationError(`kind: must be KubeSchedulerConfiguration, got ${JSON.stringify(doc['kind'])}`);
  }
  const profiles = list(doc['profiles'], 'profiles');
  if (profiles.length === 0) return defaultProfiles();
  const names = new Set<string>();
  return profiles.map((raw, i) => {
    const field = `profiles[${i}]`;
    if (!isRecord(raw)) throw new ConfigurationError(`${field}: must be an object`);
    const schedulerName = raw['schedulerName'] === undefined ? DEFAULT_SCHEDULER_NAME : str(raw['schedulerName'], `${field}.schedulerName`);
    if (names.has(schedulerName)) throw new ConfigurationError(`${field}.schedulerName: duplicate "${schedulerName}"`);
    names.add(schedulerName);
    const pluginSets = raw['plugins'] === undefined ? {} : raw['plugins'];
    if (!isRecord(pluginSets)) throw new ConfigurationError(`${field}.plugins: must be an object`);
    const plugins = Object.fromEntries(
      EXTENSION_POINTS.map((point) => [point, mergePlugins(DEFAULT_PLUGINS[point], pluginSets[point], `${field}.plugins.${point}`, known)]),
    ) as Record<ExtensionPointName, EnabledPlugin[]>;
    let fitStrategy = DEFAULT_SCORING_STRATEGY;
    let hardPodAffinityWeight: number | undefined;
    let spreadDefaults: readonly DefaultConstraint[] | undefined;
    list(raw['pluginConfig'], `${field}.pluginConfig`).forEach((c, j) => {
      const at = `${field}.pluginConfig[${j}]`;
      if (!isRecord(c)) throw new ConfigurationError(`${at}: must be an object`);
      const name = str(c['name'], `${at}.name`);
      if (!known.has(name)) throw new ConfigurationError(`${at}.name: unknown plugin "${name}"`);
      if (name === 'NodeResourcesFit') fitStrategy = parseFitStrategy(c['args'], `${at}.args`);
      if (name === 'InterPodAffinity') hardPodAffinityWeight = parseHardPodAffinityWeight(c['args'], `${at}.args`, fail);
      if (name === 'PodTopologySpread') spreadDefaults = parseDefaultConstraints(c['args'], `${at}.args`, fail);
    });
    return { schedulerName, plugins, fitStrategy, hardPodAffinityWeight, spreadDefaults };
  });
}
