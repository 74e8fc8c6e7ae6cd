/**
 * Counts of the accounted pods that satisfy one predicate, per node and per topology domain
 * (node label key → label value → count), kept up to date by {@link NodeInfoStore} on every pod
 * add, remove and replacement and every node relabel or removal. The inter-pod plugins read
 * them in PreFilter instead of testing every pod on every node in each cycle.
 */
import type { Pod } from '@skiff/api';
import { addAtId, DomainIds, type IdCounts } from './domain-ids.js';
import type { NodeInfo } from './node-info.js';

/** Counts per topology domain: label value → count (only values with a count above 0). */
export type DomainCounts = ReadonlyMap<string, number>;

/** How many times a pod counts (0: not at all); a pure function of the Pod object. */
export type PodWeight = (pod: Pod) => number;

/** The classes a pod falls in (a key and the value the class stands for; a key may repeat). */
export type PodClassifier<T> = (pod: Pod) => ReadonlyArray<{ readonly key: string; readonly value: T }>;

/** One class of pods and how many of its members sit where. */
export interface PodClass<T> {
  readonly value: T;
  readonly counts: PodCounts;
}

function bump(map: Map<string, number>, value: string, n: number): void {
  const next = (map.get(value) ?? 0) + n;
  if (next === 0) map.delete(value);
  else map.set(value, next);
}

export class PodCounts {
  /** Node → its count (only nodes with a count above 0). */
  private readonly byNode = new Map<NodeInfo, number>();
  /** Topology key → value → count, for the keys asked for so far. */
  private readonly byDomain = new Map<string, Map<string, number>>();
  /** Domain-id slot → count per id, for the keys asked for so far by {@link domainIdCounts}. */
  private readonly byId = new Map<number, IdCounts>();

  constructor(private readonly ids: DomainIds) {}

  /** Number of nodes with a count above 0 (0: no accounted pod counts). */
  get nodes(): number {
    return this.byNode.size;
  }

  /** The count on one node. */
  onNode(info: NodeInfo): number {
    return this.byNode.get(info) ?? 0;
  }

  /**
   * The counts per value of the node label `topologyKey` (nodes without it do not count). The
   * map is live: it changes with the store, so read it within one scheduling cycle.
   */
  domains(topologyKey: string): DomainCounts {
    let m = this.byDomain.get(topologyKey);
    if (m === undefined) {
      m = new Map();
      for (const [info, n] of this.byNode) {
        const value = info.node.metadata?.labels?.[topologyKey];
        if (value !== undefined) bump(m, value, n);
      }
      this.byDomain.set(topologyKey, m);
    }
    return m;
  }

  /**
   * The counts per domain id of `topologyKey` (index with `NodeInfo.domainIds[slot]`): the
   * same as {@link domains}, for per-node loops. Live, as {@link domains}.
   */
  domainIdCounts(topologyKey: string): { readonly slot: number; readonly counts: Readonly<IdCounts> } {
    const slot = this.ids.slotOf(topologyKey);
    let counts = this.byId.get(slot);
    if (counts === undefined) {
      counts = [];
      for (const [info, n] of this.byNode) addAtId(counts, info.domainIds[slot], n);
      this.byId.set(slot, counts);
    }
    return { slot, counts };
  }

  /** Adds `n` (negative to remove) on the node and its domains. */
  add(info: NodeInfo, n: number): void {
    if (n === 0) return;
    const next = (this.byNode.get(info) ?? 0) + n;
    if (next === 0) this.byNode.delete(info);
    else this.byNode.set(info, next);
    this.addToDomains(info, n);
  }

  /** Takes the node's count out of its domains (before its labels change or it goes). */
  detach(info: NodeInfo): void {
    const n = this.byNode.get(info);
    if (n !== undefined) this.addToDomains(info, -n);
  }

  /** Puts the node's count back into its domains (after its labels changed). */
  attach(info: NodeInfo): void {
    const n = this.byNode.get(info);
    if (n !== undefined) this.addToDomains(info, n);
  }

  /** Forgets the node entirely (it was removed; call {@link detach} first). */
  drop(info: NodeInfo): void {
    this.byNode.delete(info);
  }

  private addToDomains(info: NodeInfo, n: number): void {
    for (const [slot, counts] of this.byId) addAtId(counts, info.domainIds[slot], n);
    if (this.byDomain.size === 0) return;
    const labels = info.node.metadata?.labels;
    if (labels === undefined) return;
    for (const [key, m] of this.byDomain) {
      const value = labels[key];
      if (value !== undefined) bump(m, value, n);
    }
  }
}

/** How many entries {@link PodCountRegistry.counts} keeps before it forgets the least recently used. */
export const MAX_COUNTED_QUERIES = 64;

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  for (const k of ka) if (a![k] !== b?.[k]) return false;
  return true;
}

/**
 * Every {@link PodCounts} the plugins asked for, plus the number of nodes per label value.
 * The node store calls it on each change; what it holds always equals a count from scratch
 * over the store's nodes and their accounted pods (queries and classes start with one).
 */
export class PodCountRegistry {
  /** Query key → its weight and counts, least recently used first. */
  private readonly queries = new Map<string, { weight: PodWeight; counts: PodCounts }>();
  /** Classifier name → the classifier and its classes by key. */
  private readonly classifiers = new Map<string, { classify: PodClassifier<unknown>; classes: Map<string, PodClass<unknown>> }>();
  /** Label key → value → number of (known) nodes with it, for the keys asked for so far. */
  private readonly nodeDomains = new Map<string, Map<string, number>>();
  /** Domain ids of the label keys the counts were asked for by id. */
  private readonly ids: DomainIds;

  /** `nodes` every known node, `pending` the records of pods whose node is not known yet. */
  constructor(private readonly all: () => { nodes: readonly NodeInfo[]; pending: Iterable<NodeInfo> }) {
    this.ids = new DomainIds(() => {
      const { nodes, pending } = this.all();
      return [...nodes, ...pending];
    });
  }

  /**
   * The counts of the pods `weight` counts, under `key` (the same key must always come with
   * the same weight). Built from scratch the first time, then kept up to date.
   */
  counts(key: string, weight: PodWeight): PodCounts {
    const known = this.queries.get(key);
    if (known !== undefined) {
      this.queries.delete(key);
      this.queries.set(key, known);
      return known.counts;
    }
    const counts = new PodCounts(this.ids);
    this.everyRecord((info) => {
      for (const pod of info.pods) counts.add(info, weight(pod));
    });
    this.queries.set(key, { weight, counts });
    if (this.queries.size > MAX_COUNTED_QUERIES) this.queries.delete(this.queries.keys().next().value!);
    return counts;
  }

  /**
   * The classes of the accounted pods under `classify` (registered under `name` on the first
   * call, then kept up to date; a class goes when its last member does).
   */
  classes<T>(name: string, classify: PodClassifier<T>): ReadonlyMap<string, PodClass<T>> {
    let entry = this.classifiers.get(name);
    if (entry === undefined) {
      entry = { classify, classes: new Map() };
      this.classifiers.set(name, entry);
      const e = entry;
      this.everyRecord((info) => {
        for (const pod of info.pods) this.classify(e, info, pod, 1);
      });
    }
    return entry.classes as ReadonlyMap<string, PodClass<T>>;
  }

  /** Label value → number of nodes with it, for the label key (live map). */
  domainsOf(key: string): DomainCounts {
    let m = this.nodeDomains.get(key);
    if (m === undefined) {
      m = new Map();
      for (const info of this.all().nodes) {
        const value = info.node.metadata?.labels?.[key];
        if (value !== undefined) bump(m, value, 1);
      }
      this.nodeDomains.set(key, m);
    }
    return m;
  }

  /** A pod was accounted (`sign` 1) on the record or left it (-1). */
  podChanged(info: NodeInfo, pod: Pod, sign: 1 | -1): void {
    for (const q of this.queries.values()) q.counts.add(info, sign * q.weight(pod));
    for (const c of this.classifiers.values()) this.classify(c, info, pod, sign);
  }

  /**
   * Call before a known node's record takes a new Node object (`known`: it was in the node
   * list, not pending); returns the function to call after.
   */
  nodeChanging(info: NodeInfo, next: Readonly<Record<string, string>> | undefined, known: boolean): () => void {
    if (known && sameLabels(info.node.metadata?.labels, next)) return () => {};
    this.forEachCounts((c) => c.detach(info));
    if (known) this.countNode(info, -1);
    return () => {
      this.ids.assign(info);
      this.forEachCounts((c) => c.attach(info));
      this.countNode(info, 1);
    };
  }

  /** The record is gone (`known`: it was in the node list), with its pods. */
  nodeGone(info: NodeInfo, known: boolean): void {
    this.forEachCounts((c) => {
      c.detach(info);
      c.drop(info);
    });
    for (const c of this.classifiers.values()) {
      for (const [key, cls] of c.classes) if (cls.counts.nodes === 0) c.classes.delete(key);
    }
    if (known) this.countNode(info, -1);
  }

  private countNode(info: NodeInfo, sign: 1 | -1): void {
    const labels = info.node.metadata?.labels;
    if (labels === undefined) return;
    for (const [key, m] of this.nodeDomains) {
      const value = labels[key];
      if (value !== undefined) bump(m, value, sign);
    }
  }

  private classify(
    entry: { classify: PodClassifier<unknown>; classes: Map<string, PodClass<unknown>> },
    info: NodeInfo,
    pod: Pod,
    sign: 1 | -1,
  ): void {
    for (const { key, value } of entry.classify(pod)) {
      let cls = entry.classes.get(key);
      if (cls === undefined) {
        if (sign < 0) continue;
        cls = { value, counts: new PodCounts(this.ids) };
        entry.classes.set(key, cls);
      }
      cls.counts.add(info, sign);
      if (cls.counts.nodes === 0) entry.classes.delete(key);
    }
  }

  private forEachCounts(visit: (c: PodCounts) => void): void {
    for (const q of this.queries.values()) visit(q.counts);
    for (const c of this.classifiers.values()) for (const cls of c.classes.values()) visit(cls.counts);
  }

  private everyRecord(visit: (info: NodeInfo) => void): void {
    const { nodes, pending } = this.all();
    for (const info of nodes) visit(info);
    for (const info of pending) visit(info);
  }
}
