/**
 * Small integer ids for topology domains, so a per-node check is two array reads instead of a
 * label lookup and a map lookup: each label key asked for gets a slot, each of its values an
 * id (never reused; ids only grow), and every node record keeps, per slot, the id of its value
 * (`NodeInfo.domainIds`, -1 or missing when the node lacks the label).
 */
import type { NodeInfo } from './node-info.js';

export class DomainIds {
  private readonly slots = new Map<string, number>();
  /** Per slot: value → id. */
  private readonly ids: Array<Map<string, number>> = [];

  /** `records` lists every node record (known and pending) when a key gets its slot. */
  constructor(private readonly records: () => Iterable<NodeInfo>) {}

  /** The slot of the label key, given on first use (every record gets its id then). */
  slotOf(key: string): number {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.ids.length;
      this.slots.set(key, slot);
      this.ids.push(new Map());
      for (const info of this.records()) this.assignSlot(info, key, slot);
    }
    return slot;
  }

  /** Sets the record's id for every slot from its current labels (after its Node changed). */
  assign(info: NodeInfo): void {
    for (const [key, slot] of this.slots) this.assignSlot(info, key, slot);
  }

  private assignSlot(info: NodeInfo, key: string, slot: number): void {
    const value = info.node.metadata?.labels?.[key];
    let id = -1;
    if (value !== undefined) {
      const ids = this.ids[slot]!;
      id = ids.get(value) ?? ids.size;
      if (id === ids.size) ids.set(value, id);
    }
    info.domainIds[slot] = id;
  }
}

/** Counts by domain id of one slot (a plain array grown with zeros). */
export type IdCounts = number[];

/** Adds `n` at `id` (nothing for -1 or a missing id). */
export function addAtId(counts: IdCounts, id: number | undefined, n: number): void {
  if (id === undefined || id < 0) return;
  while (counts.length <= id) counts.push(0);
  counts[id]! += n;
}
