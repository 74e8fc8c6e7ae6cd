/**
 * The API side of preemption (the scheduler's {@link PreemptionHost}): nominations in memory
 * and in `status.nominatedNodeName`, and evictions. The scheduling loop never waits for it:
 * the API calls run in the background (as upstream's asynchronous preemption) and a failure
 * only leaves the preemptor to try again on its next attempt.
 */
import { namespacedName, nowTimestamp, PODS, type Pod } from '@skiff/api';
import type { ApiClient, EventRecorder } from '@skiff/client';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '@skiff/telemetry';
import { podHoldings, type ClusterState } from './cluster-state.js';
import { podPriority, type Nominator } from './framework/nominator.js';
import type { PodOnNode, PreemptionHost } from './framework/preemption-host.js';

export interface PreemptionActionsOptions {
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly state: ClusterState;
  readonly nominator: Nominator;
  readonly logger: Logger;
  readonly schedulerName: string;
  /** Where `scheduler_preemption_attempts_total` and `scheduler_preemption_victims` go. */
  readonly metrics?: Registry;
}

export class PreemptionActions implements PreemptionHost {
  /** API calls in flight, so stop() can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Preemptor key → the keys of its victims not yet known gone. */
  private readonly evicting = new Map<string, Set<string>>();

  private readonly attempts: Counter | undefined;
  private readonly victims: Histogram | undefined;

  constructor(private readonly options: PreemptionActionsOptions) {
    const registers = options.metrics === undefined ? undefined : [options.metrics];
    this.attempts =
      registers &&
      new Counter({ name: 'scheduler_preemption_attempts_total', help: 'Total preemption attempts in the cluster till now', registers });
    this.victims =
      registers &&
      new Histogram({
        name: 'scheduler_preemption_victims',
        help: 'Number of selected preemption victims',
        buckets: [1, 2, 4, 8, 16, 32, 64],
        registers,
      });
  }

  attempted(): void {
    this.attempts?.inc();
  }

  podsOn(node: string): readonly PodOnNode[] {
    return this.options.state.podsOn(node);
  }

  /**
   * Follows `status.nominatedNodeName` in an informer add/update of a pod that waits to be
   * scheduled, as upstream's nominator: set or changed → nominate there; removed → forget;
   * absent before and after → keep an in-memory nomination (the write may not have landed).
   */
  observe(pod: Pod, old?: Pod): void {
    const node = pod.status?.nominatedNodeName ?? '';
    const key = namespacedName(pod);
    if (node !== '') this.options.nominator.nominate(key, pod, node, podHoldings(pod).usage);
    else if ((old?.status?.nominatedNodeName ?? '') !== '') this.options.nominator.forget(key);
  }

  preempt(preemptor: Pod, node: string, victims: readonly Pod[]): void {
    const { nominator } = this.options;
    const key = namespacedName(preemptor);
    const priority = podPriority(preemptor);
    const displaced = [...nominator.onNode(node)].filter((n) => n.key !== key && n.priority < priority).map((n) => n.pod);
    nominator.nominate(key, preemptor, node, podHoldings(preemptor).usage);
    for (const pod of displaced) this.clearNomination(pod);
    this.track(this.setNominatedNode(preemptor, node));
    this.victims?.observe(victims.length);
    const pending = new Set(victims.map((v) => namespacedName(v)));
    this.evicting.set(key, pending);
    for (const victim of victims) this.track(this.evict(victim, preemptor, node, pending));
  }

  preemptionInProgress(pod: Pod): boolean {
    const key = namespacedName(pod);
    const pending = this.evicting.get(key);
    if (pending === undefined) return false;
    for (const victim of pending) if (!this.options.state.holds(victim)) pending.delete(victim);
    if (pending.size === 0) this.evicting.delete(key);
    return pending.size > 0;
  }

  /** Forgets a preemptor's pending evictions (it was bound or deleted). */
  forget(pod: Pod): void {
    this.evicting.delete(namespacedName(pod));
  }

  clearNomination(pod: Pod): void {
    this.options.nominator.forget(namespacedName(pod));
    const current = pod.status?.nominatedNodeName;
    if (current !== undefined && current !== '') this.track(this.setNominatedNode(pod, null));
  }

  /** Waits for the API calls in flight. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async setNominatedNode(pod: Pod, node: string | null): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await this.options.client.patch(PODS, ns, name, { status: { nominatedNodeName: node } }, 'merge', 'status');
    } catch (err) {
      this.options.logger.debug({ err, pod: `${ns}/${name}`, node }, 'writing nominatedNodeName failed');
    }
  }

  /** DisruptionTarget condition, delete (same uid), `Preempted` event. */
  private async evict(victim: Pod, preemptor: Pod, node: string, pending: Set<string>): Promise<void> {
    const { client, recorder, logger, schedulerName } = this.options;
    const ns = victim.metadata?.namespace ?? 'default';
    const name = victim.metadata?.name ?? '';
    const condition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: `${schedulerName}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: nowTimestamp(),
    };
    try {
      await client.patch(PODS, ns, name, { status: { conditions: [condition] } }, 'strategic', 'status');
      await client.delete(PODS, ns, name, victim.metadata?.uid === undefined ? {} : { uid: victim.metadata.uid });
      recorder.record(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${node}`);
    } catch (err) {
      // The preemptor may try again rather than wait for a victim that is not going.
      pending.delete(`${ns}/${name}`);
      logger.warn({ err, pod: `${ns}/${name}`, preemptor: namespacedName(preemptor) }, 'evicting a preemption victim failed');
    }
  }
}
