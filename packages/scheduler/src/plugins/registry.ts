/** Every in-tree plugin by its upstream name, and how to build it for a profile. */
import type { FrameworkHandle, Plugin } from '../framework/interfaces.js';
import type { Profile } from '../framework/config.js';
import type { PreemptionHost } from '../framework/preemption-host.js';
import { BalancedAllocation } from './balanced-allocation.js';
import { DefaultBinder, type BindFunction } from './default-binder.js';
import { DefaultPreemption } from './default-preemption.js';
import { ImageLocality } from './image-locality.js';
import { InterPodAffinity } from './inter-pod-affinity/plugin.js';
import { NodeAffinity } from './node-affinity.js';
import { NodeName } from './node-name.js';
import { NodePorts } from './node-ports.js';
import { NodeResourcesFit } from './node-resources-fit.js';
import { NodeUnschedulable } from './node-unschedulable.js';
import { PodTopologySpread } from './pod-topology-spread/plugin.js';
import { TaintToleration } from './taint-toleration.js';

/** What a plugin factory gets. */
export interface PluginContext {
  readonly handle: FrameworkHandle;
  readonly profile: Profile;
  readonly bind: BindFunction;
  /** What DefaultPreemption acts through (absent: it never preempts). */
  readonly preemption?: PreemptionHost | undefined;
}

/** Builds one plugin for a profile. */
export type PluginFactory = (ctx: PluginContext) => Plugin;
type Factory = PluginFactory;

const FACTORIES: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  ['NodeUnschedulable', () => new NodeUnschedulable()],
  ['NodeName', () => new NodeName()],
  ['TaintToleration', (ctx) => new TaintToleration(ctx.handle)],
  ['NodeAffinity', () => new NodeAffinity()],
  ['NodePorts', () => new NodePorts()],
  ['NodeResourcesFit', (ctx) => new NodeResourcesFit(ctx.profile.fitStrategy)],
  ['NodeResourcesBalancedAllocation', () => new BalancedAllocation()],
  ['ImageLocality', (ctx) => new ImageLocality(ctx.handle)],
  ['PodTopologySpread', (ctx) => new PodTopologySpread(ctx.handle, ctx.profile.spreadDefaults)],
  ['InterPodAffinity', (ctx) => new InterPodAffinity(ctx.handle, ctx.profile.hardPodAffinityWeight)],
  ['DefaultBinder', (ctx) => new DefaultBinder(ctx.bind)],
  ['DefaultPreemption', (ctx) => new DefaultPreemption(ctx.handle, ctx.preemption)],
]);

/** The names a configuration may use. */
export const KNOWN_PLUGINS: ReadonlySet<string> = new Set(FACTORIES.keys());

/** Builds the named plugin; throws for an unknown name. */
export function createPlugin(name: string, ctx: PluginContext): Plugin {
  const factory = FACTORIES.get(name);
  if (factory === undefined) throw new Error(`unknown scheduler plugin "${name}"`);
  return factory(ctx);
}
