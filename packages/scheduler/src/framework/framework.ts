/**
 * One profile's framework: runs a pod's scheduling cycle through the profile's plugins and,
 * after the scheduler assumed the pod, its binding cycle.
 *
 * The scheduler core (native by default) is the executor of NodeUnschedulable +
 * NodeResourcesFit (LeastAllocated on cpu and memory) over all nodes: when the profile has
 * both at their defaults and the pod requests only cpu and memory and does not tolerate the
 * unschedulable taint, the core filters (with TaintToleration and NodeAffinity, given the
 * pod's tolerations, node selector and node affinity) and scores every node in one call
 * (`scoreAll`) and the other plugins run in TypeScript around it on the nodes it passed. When
 * every other filter skips the pod and the only score plugins that do not skip are
 * NodeResourcesFit, BalancedAllocation on cpu and memory, TaintToleration and NodeAffinity
 * (`coreWeights`), the core alone decides (`schedule`, with those plugins'
 * weights): the fast path. Otherwise every plugin runs in TypeScript over
 * the node snapshot.
 *
 * Nominated pods (preemptors waiting for their victims to go) count on their node in Filter
 * for pods of lower or equal priority: such nodes always run the TypeScript filters on a copy
 * with the nominated pods added (and, when that passes, on the node as it is, as upstream); on
 * the core-alone fast path the core's pick stands unless it is such a node (then every node
 * goes through the per-node path). A pod with a nominated node tries that node first and
 * takes it when it fits (upstream's `evaluateNominatedNode`).
 *
 * Deviations from upstream, by design: ties go to the smallest node name (not a random pick);
 * on the fast path PreScore runs before Filter, with every node.
 */
import type { Pod } from '@skiff/api';
import { namespacedName } from '@skiff/api';
import { DEFAULT_SCORING_WEIGHTS, type PodRequests, type SchedulerCore, type ScoringWeights } from '../core/contract.js';
import { DEFAULT_BINDER } from '../plugins/default-binder.js';
import { NODE_RESOURCES_FIT } from '../plugins/node-resources-fit.js';
import { NODE_UNSCHEDULABLE, toleratesUnschedulable } from '../plugins/node-unschedulable.js';
import { NODE_AFFINITY } from '../plugins/node-affinity.js';
import { TAINT_TOLERATION } from '../plugins/taint-toleration.js';
import { createPlugin, type PluginContext, type PluginFactory } from '../plugins/registry.js';
import type { BindFunction } from '../plugins/default-binder.js';
import type { ExtensionPointName, Profile } from './config.js';
import { NO_CLUSTER_OBJECTS, type ClusterObjects } from './cluster-objects.js';
import { CORE_FILTERS, coreQuery, coreWeights, type CoreFilters } from './core-weights.js';
import { fitErrorMessage } from './diagnosis.js';
import type { ClusterEvent } from './events.js';
import {
  CycleState,
  type BindPlugin,
  type Diagnosis,
  type EnqueueExtensions,
  type FilterPlugin,
  type FrameworkHandle,
  type PermitPlugin,
  type Plugin,
  type PodInfo,
  type PostFilterPlugin,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces.js';
import { PLUGIN_METRICS_SAMPLE_PERCENT, type FrameworkMetrics } from './metrics.js';
import { addPodUsage, copyNodeInfo, type NodeInfo, type NodeInfoStore } from './node-info.js';
import { Nominator, podPriority } from './nominator.js';
import type { PreemptionHost } from './preemption-host.js';
import { WaitingPod } from './waiting-pods.js';
import { podResources } from './resources.js';
import { Code, codeOf, isRejection, status, type Status } from './status.js';

/** The result of a scheduling cycle. */
export type CycleResult =
  | {
      readonly kind: 'scheduled';
      readonly state: CycleState;
      readonly pod: PodInfo;
      readonly nodeName: string;
      readonly score: number;
      readonly feasibleNodes: number;
    }
  | {
      readonly kind: 'unschedulable';
      readonly state: CycleState;
      readonly pod: PodInfo;
      readonly message: string;
      readonly rejectors: ReadonlySet<string>;
    };

/** What the framework needs from the scheduler. */
export interface FrameworkOptions {
  readonly profile: Profile;
  readonly nodes: NodeInfoStore;
  readonly core: SchedulerCore;
  readonly bind: BindFunction;
  /** Namespaces and pod-selecting controllers for the inter-pod plugins (default: none known). */
  readonly objects?: ClusterObjects;
  readonly metrics?: FrameworkMetrics;
  /**
   * False: never use the core, run every plugin in TypeScript (the reference the tests compare
   * the core-assisted path with). Default true.
   */
  readonly useCore?: boolean;
  /** For tests: decides whether a cycle records per-plugin durations (default: 10% at random). */
  readonly sample?: () => boolean;
  /** The nominated pods, shared by every profile (default: a private, empty one). */
  readonly nominator?: Nominator;
  /** What DefaultPreemption acts through; without it the plugin never preempts. */
  readonly preemption?: PreemptionHost;
  /** Out-of-tree plugins by name (upstream's `WithFrameworkOutOfTreeRegistry`); the profile names them. */
  readonly outOfTreeRegistry?: ReadonlyMap<string, PluginFactory>;
}

/** The CycleState key of the filters PreFilter did not skip (for Filter re-runs in PostFilter). */
const ACTIVE_FILTERS = 'framework/activeFilters';

/** The core's request numbers for a pod (cpu and memory only). */
export function coreRequests(pod: PodInfo): PodRequests {
  const r = pod.resources;
  return {
    milliCpu: r.requests.get('cpu') ?? 0,
    memoryBytes: r.requests.get('memory') ?? 0,
    nonZeroMilliCpu: r.nonZeroMilliCpu,
    nonZeroMemoryBytes: r.nonZeroMemoryBytes,
  };
}

/** Builds the per-cycle pod record. */
export function podInfo(pod: Pod): PodInfo {
  return { pod, key: namespacedName(pod), resources: podResources(pod) };
}

function has<K extends string>(plugin: Plugin, method: K): boolean {
  return typeof (plugin as unknown as Record<K, unknown>)[method] === 'function';
}

export class Framework implements FrameworkHandle {
  readonly profileName: string;
  readonly nodes: NodeInfoStore;
  readonly objects: ClusterObjects;
  private readonly core: SchedulerCore;
  private readonly metrics: FrameworkMetrics | undefined;
  private readonly sample: () => boolean;
  private readonly preFilters: PreFilterPlugin[];
  private readonly filters: FilterPlugin[];
  private readonly postFilters: PostFilterPlugin[];
  private readonly preScores: PreScorePlugin[];
  private readonly scores: Array<{ plugin: ScorePlugin; weight: number }>;
  private readonly reserves: ReservePlugin[];
  private readonly permits: PermitPlugin[];
  private readonly preBinds: PreBindPlugin[];
  private readonly binds: BindPlugin[];
  /** Plugin name → the events it registered. */
  private readonly events = new Map<string, readonly ClusterEvent[]>();
  /** True when the core may serve NodeUnschedulable + NodeResourcesFit for this profile. */
  private readonly coreCapable: boolean;
  private readonly fitWeight: number;
  readonly nominator: Nominator;
  /** Pod key → the pod held at Permit. */
  private readonly waiting = new Map<string, WaitingPod>();
  /** Which of the core's optional filters (TaintToleration, NodeAffinity) the profile runs. */
  private readonly coreFilters: CoreFilters;
  /** The core's weights when no score plugin skips (the usual cycle), computed once. */
  private readonly allScoresWeights: ScoringWeights | null;

  constructor(options: FrameworkOptions) {
    const { profile } = options;
    this.profileName = profile.schedulerName;
    this.nodes = options.nodes;
    this.objects = options.objects ?? NO_CLUSTER_OBJECTS;
    this.core = options.core;
    this.metrics = options.metrics;
    this.sample = options.sample ?? (() => Math.random() * 100 < PLUGIN_METRICS_SAMPLE_PERCENT);
    this.nominator = options.nominator ?? new Nominator();
    const ctx: PluginContext = { handle: this, profile, bind: options.bind, preemption: options.preemption };
    const instances = new Map<string, Plugin>();
    const at = <T extends Plugin>(point: ExtensionPointName, method: string): T[] =>
      profile.plugins[point].map(({ name }) => {
        let plugin = instances.get(name);
        if (plugin === undefined) {
          const outOfTree = options.outOfTreeRegistry?.get(name);
          plugin = outOfTree === undefined ? createPlugin(name, ctx) : outOfTree(ctx);
          instances.set(name, plugin);
        }
        if (!has(plugin, method)) throw new Error(`plugin ${name} does not implement ${point}`);
        return plugin as T;
      });
    this.preFilters = at('preFilter', 'preFilter');
    this.filters = at('filter', 'filter');
    this.postFilters = at('postFilter', 'postFilter');
    this.preScores = at('preScore', 'preScore');
    const scorePlugins = at<ScorePlugin>('score', 'score');
    this.scores = scorePlugins.map((plugin, i) => ({ plugin, weight: profile.plugins.score[i]!.weight || 1 }));
    this.reserves = at('reserve', 'reserve');
    this.permits = at('permit', 'permit');
    this.preBinds = at('preBind', 'preBind');
    this.binds = at('bind', 'bind');
    if (this.binds.length === 0) this.binds = [createPlugin(DEFAULT_BINDER, ctx) as BindPlugin];
    for (const plugin of instances.values()) {
      if (has(plugin, 'eventsToRegister')) this.events.set(plugin.name, (plugin as unknown as EnqueueExtensions).eventsToRegister());
    }
    const names = new Set(this.filters.map((f) => f.name));
    const s = profile.fitStrategy;
    this.coreCapable =
      options.useCore !== false &&
      names.has(NODE_UNSCHEDULABLE) &&
      names.has(NODE_RESOURCES_FIT) &&
      s.type === 'LeastAllocated' &&
      s.resources.length === 2 &&
      s.resources.some((r) => r.name === 'cpu') &&
      s.resources.some((r) => r.name === 'memory') &&
      s.resources[0]!.weight === s.resources[1]!.weight;
    this.coreFilters = { taints: names.has(TAINT_TOLERATION), affinity: names.has(NODE_AFFINITY) };
    this.fitWeight = this.scores.find((x) => x.plugin.name === NODE_RESOURCES_FIT)?.weight ?? 0;
    this.allScoresWeights = coreWeights(this.scores, this.coreFilters);
  }

  /** The events plugin `name` registered (empty when it registered none). */
  eventsOf(name: string): readonly ClusterEvent[] {
    return this.events.get(name) ?? [];
  }

  /** Runs the scheduling cycle: PreFilter, Filter, PostFilter, PreScore, Score, selection. */
  schedulePod(pod: Pod): CycleResult {
    const info = podInfo(pod);
    const state = new CycleState();
    const sampled = this.metrics !== undefined && this.sample();
    const nodes = this.nodes.list();

    const skippedFilters = new Set<string>();
    let rejected: Status | null = null;
    this.point('PreFilter', () => {
      for (const p of this.preFilters) {
        const s = this.timed(sampled, p.name, 'PreFilter', () => p.preFilter(state, info));
        if (s?.code === Code.Skip) skippedFilters.add(p.name);
        else if (s !== null && s.code !== Code.Success) {
          rejected = { ...s, plugin: p.name };
          return s;
        }
      }
      return null;
    });
    if (rejected !== null) {
      const r: Status = rejected;
      const diagnosis: Diagnosis = {
        nodeStatuses: new Map(),
        rejectors: new Set([r.plugin ?? '']),
        preFilterMessage: r.reasons.join(', '),
      };
      return this.unschedulable(state, info, nodes.length, diagnosis, sampled);
    }
    const filters = skippedFilters.size === 0 ? this.filters : this.filters.filter((f) => !skippedFilters.has(f.name));
    state.write(ACTIVE_FILTERS, filters);
    const nominatedNode = this.nodes.get(pod.status?.nominatedNodeName ?? this.nominator.nodeOf(info.key) ?? '');
    if (nominatedNode !== undefined && this.filterOne(state, info, filters, nominatedNode) === null) {
      return { kind: 'scheduled', state, pod: info, nodeName: nominatedNode.name, score: 0, feasibleNodes: 1 };
    }
    const useCore = this.coreCapable && this.coreServes(info);
    const priority = podPriority(pod);
    const nominationsBlock = this.nominator.size > 0 && this.nominator.anyBlocking(priority, info.key);

    if (useCore && filters.every((f) => CORE_FILTERS.has(f.name)) && this.fitWeight > 0) {
      const skippedScores = this.runPreScore(state, info, nodes, sampled);
      const weights =
        skippedScores.size === 0
          ? this.allScoresWeights
          : coreWeights(
              this.scores.filter((x) => !skippedScores.has(x.plugin.name)),
              this.coreFilters,
            );
      if (weights !== null) {
        const result = this.point(
          'Filter',
          () => null,
          () => {
            this.core.configureScoring(weights);
            return this.core.schedule(coreQuery(coreRequests(info), info, this.coreFilters));
          },
        );
        if (result.nodeName === null) {
          return this.unschedulable(
            state,
            info,
            nodes.length,
            this.diagnose(state, info, filters, nodes, sampled, null, true).diagnosis,
            sampled,
          );
        }
        // The core does not count nominated pods: its pick stands unless pods nominated there
        // block it (nominated pods only remove nodes, so the best of the rest is still the best).
        if (!nominationsBlock || this.nominator.blocking(result.nodeName, priority, info.key).length === 0) {
          return {
            kind: 'scheduled',
            state,
            pod: info,
            nodeName: result.nodeName,
            score: result.score,
            feasibleNodes: result.feasibleNodes,
          };
        }
      }
    }

    let coreScores: Float64Array | null = null;
    if (useCore) {
      this.core.configureScoring(DEFAULT_SCORING_WEIGHTS);
      coreScores = this.core.scoreAll(coreQuery(coreRequests(info), info, this.coreFilters));
    }
    const { diagnosis, feasible, fitScores } = this.point(
      'Filter',
      () => null,
      () => this.diagnose(state, info, filters, nodes, sampled, coreScores),
    );
    if (feasible.length === 0) return this.unschedulable(state, info, nodes.length, diagnosis, sampled);

    const skippedScores = this.runPreScore(state, info, feasible, sampled);
    const totals = this.point(
      'Score',
      () => null,
      () => this.score(state, info, feasible, fitScores, skippedScores, sampled),
    );
    let best = 0;
    for (let i = 1; i < feasible.length; i++) {
      if (totals[i]! > totals[best]! || (totals[i] === totals[best] && feasible[i]!.name < feasible[best]!.name)) best = i;
    }
    return { kind: 'scheduled', state, pod: info, nodeName: feasible[best]!.name, score: totals[best]!, feasibleNodes: feasible.length };
  }

  /** Reserve plugins in order; on a failure, Unreserve of all in reverse, and the status. */
  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    return this.point('Reserve', () => {
      for (const p of this.reserves) {
        const s = this.timed(false, p.name, 'Reserve', () => p.reserve(state, pod, nodeName));
        if (s !== null && s.code !== Code.Success) {
          this.runUnreserve(state, pod, nodeName);
          return { ...s, plugin: p.name };
        }
      }
      return null;
    });
  }

  /** Unreserve of every reserve plugin, in reverse order. */
  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of [...this.reserves].reverse()) p.unreserve(state, pod, nodeName);
  }

  /**
   * The binding cycle: Permit (every plugin runs; a rejection ends it; when some return Wait
   * the pod is held as a {@link WaitingPod} until all of those allow it, one rejects it or a
   * timeout passes), PreBind, Bind (the first bind plugin that does not Skip). Returns the
   * failing status, or null when bound; on a failure the scheduler runs Unreserve and requeues.
   */
  async runBindingCycle(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    let waits: Map<string, number> | undefined;
    const permit = this.point('Permit', () => {
      for (const p of this.permits) {
        const { status: s, timeoutMs } = p.permit(state, pod, nodeName);
        if (s?.code === Code.Wait) (waits ??= new Map<string, number>()).set(p.name, timeoutMs ?? 0);
        else if (s !== null && s.code !== Code.Success) return { ...s, plugin: p.name };
      }
      return null;
    });
    if (permit !== null) return permit;
    if (waits !== undefined) {
      const held = new WaitingPod(pod.pod, nodeName, waits);
      this.waiting.set(pod.key, held);
      const verdict = await held.result.finally(() => this.waiting.delete(pod.key));
      if (verdict !== null) return verdict;
    }
    for (const p of this.preBinds) {
      const s = await this.timedAsync(p.name, 'PreBind', () => p.preBind(state, pod, nodeName));
      if (s !== null && s.code !== Code.Success) return { ...s, plugin: p.name };
    }
    for (const p of this.binds) {
      const s = await this.timedAsync(p.name, 'Bind', () => p.bind(state, pod, nodeName));
      if (s?.code === Code.Skip) continue;
      return s === null || s.code === Code.Success ? null : { ...s, plugin: p.name };
    }
    return status(Code.Error, 'no bind plugin bound the pod');
  }

  getWaitingPod(key: string): WaitingPod | undefined {
    return this.waiting.get(key);
  }

  iterateOverWaitingPods(visit: (pod: WaitingPod) => void): void {
    for (const pod of [...this.waiting.values()]) visit(pod);
  }

  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    return this.filterOne(state, pod, state.read<FilterPlugin[]>(ACTIVE_FILTERS) ?? this.filters, node);
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, other: Pod, node: NodeInfo): Status | null {
    for (const p of this.preFilters) {
      const s = p.removePod?.(state, pod, other, node) ?? null;
      if (s !== null && s.code !== Code.Success) return { ...s, plugin: p.name };
    }
    return null;
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, other: Pod, node: NodeInfo): Status | null {
    for (const p of this.preFilters) {
      const s = p.addPod?.(state, pod, other, node) ?? null;
      if (s !== null && s.code !== Code.Success) return { ...s, plugin: p.name };
    }
    return null;
  }

  /**
   * Filter on one node as upstream's `RunFilterPluginsWithNominatedPods`: with the pods
   * nominated there of equal or higher priority added (on copies of the node and the state),
   * then, when that passes and some were added, on the node as it is. Null: the pod fits.
   */
  private filterOne(state: CycleState, pod: PodInfo, filters: readonly FilterPlugin[], node: NodeInfo): Status | null {
    const nominated = this.nominator.size === 0 ? [] : this.nominator.blocking(node.name, podPriority(pod.pod), pod.key);
    if (nominated.length > 0) {
      const withNominated = copyNodeInfo(node);
      const withState = state.clone();
      for (const n of nominated) {
        addPodUsage(withNominated, n.usage);
        const s = this.runPreFilterExtensionAddPod(withState, pod, n.pod, withNominated);
        if (s !== null) return s;
      }
      const s = this.runFilterList(withState, pod, filters, withNominated);
      if (s !== null) return s;
    }
    return this.runFilterList(state, pod, filters, node);
  }

  private runFilterList(state: CycleState, pod: PodInfo, filters: readonly FilterPlugin[], node: NodeInfo): Status | null {
    for (const f of filters) {
      const s = f.filter(state, pod, node);
      if (s === null || s.code === Code.Success) continue;
      if (s.code === Code.Error) throw new Error(`filter plugin ${f.name} failed: ${s.reasons.join(', ')}`);
      return { ...s, plugin: f.name };
    }
    return null;
  }

  /** The core can stand in for NodeUnschedulable + NodeResourcesFit for this pod. */
  private coreServes(pod: PodInfo): boolean {
    for (const name of pod.resources.requests.keys()) if (name !== 'cpu' && name !== 'memory') return false;
    return !toleratesUnschedulable(pod);
  }

  /**
   * Runs the filters over every node; with `coreScores`, nodes the core passed skip the core's
   * filters and keep its score. Returns the feasible nodes, their core scores (NaN where the
   * TypeScript filters decided) and the diagnosis for the rejected ones, which is filled only
   * when no node is feasible or `fullDiagnosis` is set (the cases that read it; so a cycle
   * that places the pod builds no map of thousands of rejections).
   */
  private diagnose(
    state: CycleState,
    pod: PodInfo,
    filters: readonly FilterPlugin[],
    nodes: readonly NodeInfo[],
    sampled: boolean,
    coreScores: Float64Array | null = null,
    fullDiagnosis = false,
  ): { diagnosis: Diagnosis; feasible: NodeInfo[]; fitScores: number[] } {
    const rejectedNodes: string[] = [];
    const rejectedStatuses: Status[] = [];
    const reject = (node: NodeInfo, s: Status): void => {
      rejectedNodes.push(node.name);
      rejectedStatuses.push(s);
    };
    // A plugin that returns the same Status object for many nodes gets one tagged copy.
    const tagged = new Map<Status, Status>();
    const tag = (s: Status, plugin: string): Status => {
      let t = tagged.get(s);
      if (t === undefined || t.plugin !== plugin) {
        t = { ...s, plugin };
        tagged.set(s, t);
      }
      return t;
    };
    const feasible: NodeInfo[] = [];
    const fitScores: number[] = [];
    const others = filters.filter((f) => !CORE_FILTERS.has(f.name));
    const spent = sampled ? new Float64Array(filters.length) : null;
    const run = (list: readonly FilterPlugin[], node: NodeInfo): boolean => {
      for (let k = 0; k < list.length; k++) {
        const f = list[k]!;
        const t = spent === null ? 0 : performance.now();
        const s = f.filter(state, pod, node);
        if (spent !== null) spent[filters.indexOf(f)]! += performance.now() - t;
        if (s === null || s.code === Code.Success) continue;
        if (s.code === Code.Error) throw new Error(`filter plugin ${f.name} failed: ${s.reasons.join(', ')}`);
        reject(node, tag(s, f.name));
        return false;
      }
      return true;
    };
    const priority = podPriority(pod.pod);
    const nominations = this.nominator.size > 0;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (nominations && this.nominator.blocking(node.name, priority, pod.key).length > 0) {
        const s = this.filterOne(state, pod, filters, node);
        if (s === null) {
          feasible.push(node);
          fitScores.push(Number.NaN);
        } else reject(node, s);
        continue;
      }
      const coreScore = coreScores === null ? -1 : coreScores[i]!;
      if (coreScore >= 0) {
        if (!run(others, node)) continue;
        feasible.push(node);
        fitScores.push(coreScore);
      } else if (run(filters, node)) {
        feasible.push(node);
        fitScores.push(Number.NaN);
      }
    }
    if (spent !== null) filters.forEach((f, k) => this.metrics?.plugin.seriesOf(f.name, 'Filter', 'Success').observe(spent[k]! / 1000));
    const statuses = new Map<string, Status>();
    const rejectors = new Set<string>();
    if (feasible.length === 0 || fullDiagnosis) {
      rejectedNodes.forEach((name, k) => statuses.set(name, rejectedStatuses[k]!));
      for (const s of rejectedStatuses) rejectors.add(s.plugin ?? '');
    }
    return { diagnosis: { nodeStatuses: statuses, rejectors }, feasible, fitScores };
  }

  private runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], sampled: boolean): Set<string> {
    const skipped = new Set<string>();
    this.point('PreScore', () => {
      for (const p of this.preScores) {
        const s = this.timed(sampled, p.name, 'PreScore', () => p.preScore(state, pod, nodes));
        if (s?.code === Code.Skip) skipped.add(p.name);
        else if (s !== null && s.code !== Code.Success) throw new Error(`prescore plugin ${p.name} failed: ${s.reasons.join(', ')}`);
      }
      return null;
    });
    return skipped;
  }

  /** Weighted sum of every active score plugin's normalized scores, per feasible node. */
  private score(
    state: CycleState,
    pod: PodInfo,
    feasible: readonly NodeInfo[],
    fitScores: readonly number[],
    skipped: ReadonlySet<string>,
    sampled: boolean,
  ): Float64Array {
    const totals = new Float64Array(feasible.length);
    for (const { plugin, weight } of this.scores) {
      if (skipped.has(plugin.name)) continue;
      const t = sampled ? performance.now() : 0;
      const scores = new Array<number>(feasible.length);
      const fromCore = plugin.name === NODE_RESOURCES_FIT;
      for (let i = 0; i < feasible.length; i++) {
        const core = fromCore ? fitScores[i]! : Number.NaN;
        scores[i] = Number.isNaN(core) ? plugin.score(state, pod, feasible[i]!) : core;
      }
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < feasible.length; i++) totals[i]! += scores[i]! * weight;
      if (sampled) this.metrics?.plugin.seriesOf(plugin.name, 'Score', 'Success').observe((performance.now() - t) / 1000);
    }
    return totals;
  }

  private unschedulable(state: CycleState, pod: PodInfo, total: number, diagnosis: Diagnosis, sampled = false): CycleResult {
    let postFilterMessage: string | undefined;
    this.point('PostFilter', () => {
      for (const p of this.postFilters) {
        const t = sampled ? performance.now() : 0;
        const r = p.postFilter(state, pod, diagnosis);
        if (sampled) this.metrics?.plugin.seriesOf(p.name, 'PostFilter', codeOf(r.status)).observe((performance.now() - t) / 1000);
        if (r.message !== undefined) postFilterMessage = r.message;
        if (r.status === null || r.status.code === Code.Success) return null;
      }
      return status(Code.Unschedulable);
    });
    return {
      kind: 'unschedulable',
      state,
      pod,
      message: fitErrorMessage(total, diagnosis, postFilterMessage),
      rejectors: diagnosis.rejectors,
    };
  }

  /**
   * Times one extension point. `run` returns the point's status; `value` (optional) computes
   * the result the caller wants, timed together with it.
   */
  private point<T = Status | null>(name: string, run: () => Status | null, value?: () => T): T {
    const t = performance.now();
    const s = run();
    const out = value === undefined ? (s as T) : value();
    const code = value === undefined ? codeOf(s) : Code.Success;
    this.metrics?.extensionPoint.seriesOf(name, code, this.profileName).observe((performance.now() - t) / 1000);
    return out;
  }

  private timed(sampled: boolean, plugin: string, point: string, run: () => Status | null): Status | null {
    if (!sampled) return run();
    const t = performance.now();
    const s = run();
    this.metrics?.plugin.seriesOf(plugin, point, codeOf(s)).observe((performance.now() - t) / 1000);
    return s;
  }

  private async timedAsync(plugin: string, point: string, run: () => Promise<Status | null>): Promise<Status | null> {
    const t = performance.now();
    const s = await run();
    const code = codeOf(s);
    this.metrics?.plugin.seriesOf(plugin, point, code).observe((performance.now() - t) / 1000);
    this.metrics?.extensionPoint.seriesOf(point, code, this.profileName).observe((performance.now() - t) / 1000);
    return s;
  }
}

export { isRejection };
