/**
 * Hard eviction thresholds, as the kubelet's `--eviction-hard` writes them:
 * `memory.available<100Mi,nodefs.available<10%,pid.available<5%`. A threshold
 * is met when the signal's available amount is below its quantity (or below
 * the percentage of the signal's capacity).
 */
import { bytes, isQuantity } from '@skiff/api';

/** The signals Skiff observes (upstream's names). */
export type EvictionSignal =
  'memory.available' | 'allocatableMemory.available' | 'nodefs.available' | 'nodefs.inodesFree' | 'pid.available';

/** The resource a signal starves, as upstream names it in messages and conditions. */
export const SIGNAL_RESOURCE: Readonly<Record<EvictionSignal, 'memory' | 'ephemeral-storage' | 'inodes' | 'pids'>> = {
  'memory.available': 'memory',
  'allocatableMemory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'nodefs.inodesFree': 'inodes',
  'pid.available': 'pids',
};

export interface EvictionThreshold {
  signal: EvictionSignal;
  /** An absolute amount (bytes, inodes or pids), or a fraction of the capacity (0–1). */
  value: { quantity: number } | { percentage: number };
}

/** Upstream's default hard thresholds on Linux (imagefs is nodefs here: images are not stored). */
export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%';

const USER_SIGNALS: ReadonlySet<string> = new Set(['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'pid.available']);

/**
 * Parses `--eviction-hard`. Throws an Error naming the bad entry. As upstream,
 * a `memory.available` threshold also applies to `allocatableMemory.available`
 * (what the pods together may use: allocatable memory), so shrinking allocatable
 * causes pressure before the whole node runs short.
 */
export function parseEvictionThresholds(text: string): EvictionThreshold[] {
  const out: EvictionThreshold[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^([A-Za-z.]+)<(.+)$/.exec(entry);
    if (m === null) throw new Error(`eviction threshold "${entry}" must look like signal<quantity, e.g. memory.available<100Mi`);
    const signal = m[1] ?? '';
    const amount = (m[2] ?? '').trim();
    if (!USER_SIGNALS.has(signal))
      throw new Error(`eviction threshold "${entry}": unknown signal ${signal} (one of ${[...USER_SIGNALS].join(', ')})`);
    let value: EvictionThreshold['value'];
    if (amount.endsWith('%')) {
      const pct = Number(amount.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100)
        throw new Error(`eviction threshold "${entry}": percentage must be between 0% and 100%`);
      value = { percentage: pct / 100 };
    } else {
      if (!isQuantity(amount)) throw new Error(`eviction threshold "${entry}": ${amount} is not a quantity`);
      value = { quantity: bytes(amount) };
    }
    out.push({ signal: signal as EvictionSignal, value });
    if (signal === 'memory.available') out.push({ signal: 'allocatableMemory.available', value });
  }
  return out;
}

/** The threshold's amount for a signal of this capacity. */
export function thresholdAmount(threshold: EvictionThreshold, capacity: number): number {
  return 'quantity' in threshold.value ? threshold.value.quantity : threshold.value.percentage * capacity;
}
