/**
 * The eviction manager: every housekeeping interval it observes the signals,
 * sets the node's pressure conditions, and while a hard threshold is met
 * evicts one pod per round (upstream's pace: one, then observe again), chosen
 * by the ranking. A condition stays True for the pressure transition period
 * after its threshold stops being met, so the node does not flap.
 */
import type { Pod } from '@skiff/api';
import { formatBytes } from './format.js';
import { rankForMemoryPressure, rankForOtherPressure, type PodUsage } from './ranking.js';
import type { Observations } from './signals.js';
import { SIGNAL_RESOURCE, thresholdAmount, type EvictionSignal, type EvictionThreshold } from './thresholds.js';

/** The node conditions eviction drives. */
export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

const CONDITION_OF: Readonly<Record<EvictionSignal, PressureCondition>> = {
  'memory.available': 'MemoryPressure',
  'allocatableMemory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

export interface EvictionManagerOptions {
  thresholds: readonly EvictionThreshold[];
  /** How long a pressure condition stays True after its threshold stops being met (upstream: 5 min). */
  pressureTransitionPeriodMs: number;
  /** What the signals are now. */
  observe: () => Observations;
  /** The running pods and their use. */
  pods: () => PodUsage[];
  /** Ends a pod: stop its containers, mark it Failed with reason Evicted and this message. */
  evict: (pod: Pod, message: string) => Promise<void>;
  /** Called when the set of pressure conditions changes (to post the node's status). */
  onPressureChange: () => void;
}

/** The threshold met and by how much, for the message. */
interface MetThreshold {
  threshold: EvictionThreshold;
  available: number;
  amount: number;
}

export class EvictionManager {
  /** When each condition's threshold was last met. */
  private readonly lastMet = new Map<PressureCondition, number>();
  private pressure = new Set<PressureCondition>();

  constructor(private readonly options: EvictionManagerOptions) {}

  /** The pressure conditions that are True now. */
  conditions(): ReadonlySet<PressureCondition> {
    return this.pressure;
  }

  /** One round: observe, update conditions, and evict at most one pod. Returns the pod evicted, if any. */
  async synchronize(now = Date.now()): Promise<Pod | undefined> {
    const observations = this.options.observe();
    const met: MetThreshold[] = [];
    for (const threshold of this.options.thresholds) {
      const o = observations[threshold.signal];
      if (o === undefined) continue;
      const amount = thresholdAmount(threshold, o.capacity);
      if (o.available < amount) met.push({ threshold, available: o.available, amount });
    }
    for (const m of met) this.lastMet.set(CONDITION_OF[m.threshold.signal], now);
    const next = new Set<PressureCondition>();
    for (const [condition, at] of this.lastMet) if (now - at < this.options.pressureTransitionPeriodMs) next.add(condition);
    const changed = next.size !== this.pressure.size || [...next].some((c) => !this.pressure.has(c));
    this.pressure = next;
    if (changed) this.options.onPressureChange();
    const first = met[0];
    if (first === undefined) return undefined;
    const memory = SIGNAL_RESOURCE[first.threshold.signal] === 'memory';
    const candidates = this.options.pods();
    const ranked = memory ? rankForMemoryPressure(candidates) : rankForOtherPressure(candidates);
    const victim = ranked[0];
    if (victim === undefined) return undefined;
    await this.options.evict(victim.pod, evictionMessage(first, victim, memory));
    return victim.pod;
  }
}

/**
 * Upstream's message: `The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi.`
 * then, for memory, each container using more than it requests.
 */
export function evictionMessage(met: MetThreshold, victim: PodUsage, memory: boolean): string {
  const resource = SIGNAL_RESOURCE[met.threshold.signal];
  const show = (n: number): string => (resource === 'memory' || resource === 'ephemeral-storage' ? formatBytes(n) : String(Math.round(n)));
  let message = `The node was low on resource: ${resource}. Threshold quantity: ${show(met.amount)}, available: ${show(Math.max(0, met.available))}. `;
  if (!memory) return message;
  for (const c of victim.pod.spec?.containers ?? []) {
    const used = victim.containers.get(c.name) ?? 0;
    const request = c.resources?.requests?.['memory'] ?? '0';
    message += `Container ${c.name} was using ${formatBytes(used)}, request is ${String(request)}, has larger consumption of memory. `;
  }
  return message;
}
