/**
 * DefaultPreemption (PostFilter). When no node fits a pod, find nodes where evicting pods of
 * lower priority makes it fit, pick one by upstream's criteria and have the scheduler carry
 * it out (nominate the pod there, evict the victims); the pod goes back to the queue and
 * returns when the victims' deletions arrive.
 *
 * As upstream: a pod with `preemptionPolicy: Never` never preempts; a pod already nominated
 * for a node where a lower-priority pod is still terminating waits instead of preempting
 * again; only nodes rejected as Unschedulable (not UnschedulableAndUnresolvable) are tried;
 * at most max(10% of them, 100) candidates are collected, starting at a random node.
 */
import type { Pod } from '@skiff/api';
import { fitErrorMessage } from '../framework/diagnosis.js';
import type { CycleState, Diagnosis, FrameworkHandle, PodInfo, PostFilterPlugin } from '../framework/interfaces.js';
import { podPriority } from '../framework/nominator.js';
import type { PreemptionHost } from '../framework/preemption-host.js';
import { Code, status, type Status } from '../framework/status.js';
import { ERR_NOT_HELPFUL, pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from './preemption-candidates.js';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const ERR_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const ERR_TERMINATING_ON_NOMINATED = 'not eligible due to a terminating pod on the nominated node.';

/** Upstream's defaults (`DefaultPreemptionArgs`). */
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

type PostFilterResult = ReturnType<PostFilterPlugin['postFilter']>;

/** How many candidates to collect among `n` potential nodes. */
export function candidateCount(n: number): number {
  const byShare = Math.floor((n * MIN_CANDIDATE_NODES_PERCENTAGE) / 100);
  return Math.min(n, Math.max(byShare, MIN_CANDIDATE_NODES_ABSOLUTE));
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;

  /** `random` picks the first node tried (tests pass a fixed one). */
  constructor(
    private readonly handle: FrameworkHandle,
    private readonly host: PreemptionHost | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  postFilter(state: CycleState, pod: PodInfo, diagnosis: Diagnosis): PostFilterResult {
    if (this.host === undefined) return { status: status(Code.Unschedulable) };
    this.host.attempted();
    const ineligible = this.ineligibility(pod.pod, diagnosis);
    if (ineligible !== undefined) return { status: status(Code.Unschedulable, ineligible), message: ineligible };
    const { candidates, statuses } = this.findCandidates(state, pod, diagnosis, this.host);
    const best = pickOneNodeForPreemption(candidates);
    if (best === undefined) {
      this.host.clearNomination(pod.pod);
      const message = `preemption: ${fitErrorMessage(this.handle.nodes.size, { nodeStatuses: statuses, rejectors: new Set() })}`;
      return { status: status(Code.Unschedulable, message), message };
    }
    this.host.preempt(pod.pod, best.node, best.victims);
    return { status: null, nominatedNodeName: best.node };
  }

  /** Why the pod may not preempt now (upstream's `PodEligibleToPreemptOthers`), or undefined. */
  private ineligibility(pod: Pod, diagnosis: Diagnosis): string | undefined {
    if (pod.spec?.preemptionPolicy === 'Never') return ERR_POLICY_NEVER;
    // Skiff's addition for its asynchronous evictions: victims not yet seen gone count as terminating.
    if (this.host!.preemptionInProgress(pod)) return ERR_TERMINATING_ON_NOMINATED;
    const nominated = pod.status?.nominatedNodeName;
    if (nominated === undefined || nominated === '' || this.handle.nodes.get(nominated) === undefined) return undefined;
    // A nominated node that can no longer help does not hold the pod back.
    if (diagnosis.nodeStatuses.get(nominated)?.code === Code.UnschedulableAndUnresolvable) return undefined;
    const priority = podPriority(pod);
    const terminating = this.host!.podsOn(nominated).some(
      (p) => p.pod.metadata?.deletionTimestamp !== undefined && podPriority(p.pod) < priority,
    );
    return terminating ? ERR_TERMINATING_ON_NOMINATED : undefined;
  }

  /** Dry runs on the nodes where eviction might help (upstream's `DryRunPreemption`). */
  private findCandidates(
    state: CycleState,
    pod: PodInfo,
    diagnosis: Diagnosis,
    host: PreemptionHost,
  ): { candidates: Candidate[]; statuses: Map<string, Status> } {
    const statuses = new Map<string, Status>();
    const potential: string[] = [];
    for (const node of this.handle.nodes.list()) {
      const s = diagnosis.nodeStatuses.get(node.name);
      if (diagnosis.preFilterMessage === undefined && s?.code === Code.Unschedulable) potential.push(node.name);
      else statuses.set(node.name, status(Code.UnschedulableAndUnresolvable, ERR_NOT_HELPFUL));
    }
    const candidates: Candidate[] = [];
    const wanted = candidateCount(potential.length);
    const offset = Math.floor(this.random() * potential.length);
    for (let i = 0; i < potential.length && candidates.length < wanted; i++) {
      const name = potential[(offset + i) % potential.length]!;
      const node = this.handle.nodes.get(name)!;
      const result = selectVictimsOnNode(this.handle, state, pod, node, host.podsOn(name));
      if ('victims' in result) candidates.push({ node: name, victims: result.victims, pdbViolations: 0 });
      else statuses.set(name, result.status);
    }
    return { candidates, statuses };
  }
}
