/**
 * InterPodAffinity's PreScore state and scores (kube-scheduler's `scoring.go`): per topology
 * pair, the sum of the weights of the preferred terms (the incoming pod's, and the existing
 * pods' that select it, plus `hardPodAffinityWeight` for existing pods' required affinity
 * terms), negative for anti-affinity. A node scores the sum over its domains; scores are then
 * scaled to 0..100 between the lowest and the highest.
 */
import type { Node, Pod } from '@skiff/api';
import type { ClusterObjects } from '../../framework/cluster-objects.js';
import { MAX_NODE_SCORE } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { affinityTerms, termMatchesPod, topologyPair, type AffinityTerm } from './terms.js';
import type { TopologyCounts } from './filtering.js';

/** Topology key → (topology pair → score). Grouped by key so a node sums one value per key. */
export type TopologyScores = Map<string, TopologyCounts>;

function addScore(scores: TopologyScores, key: string, node: Node, weight: number): void {
  const value = node.metadata?.labels?.[key];
  if (value === undefined) return;
  let byPair = scores.get(key);
  if (byPair === undefined) {
    byPair = new Map();
    scores.set(key, byPair);
  }
  const pair = topologyPair(key, value);
  byPair.set(pair, (byPair.get(pair) ?? 0) + weight);
}

function scoreTerms(
  scores: TopologyScores,
  terms: readonly AffinityTerm[],
  target: Pod,
  node: Node,
  sign: 1 | -1,
  objects: ClusterObjects,
  weight?: number,
): void {
  for (const t of terms) if (termMatchesPod(t, target, objects)) addScore(scores, t.topologyKey, node, sign * (weight ?? t.weight));
}

/**
 * The per-domain scores. With preferred terms on the incoming pod every pod counts; without,
 * only pods with affinity terms can contribute.
 */
export function topologyScores(
  pod: Pod,
  nodes: readonly NodeInfo[],
  objects: ClusterObjects,
  hardPodAffinityWeight: number,
): TopologyScores {
  const own = affinityTerms(pod);
  const hasOwn = own.preferredAffinity.length > 0 || own.preferredAntiAffinity.length > 0;
  const scores: TopologyScores = new Map();
  for (const node of nodes) {
    for (const existing of hasOwn ? node.pods : node.podsWithAffinity) {
      // The incoming pod's preferences about the existing pod.
      scoreTerms(scores, own.preferredAffinity, existing, node.node, 1, objects);
      scoreTerms(scores, own.preferredAntiAffinity, existing, node.node, -1, objects);
      // The existing pod's rules about the incoming pod (symmetry).
      const theirs = affinityTerms(existing);
      if (hardPodAffinityWeight > 0) scoreTerms(scores, theirs.requiredAffinity, pod, node.node, 1, objects, hardPodAffinityWeight);
      scoreTerms(scores, theirs.preferredAffinity, pod, node.node, 1, objects);
      scoreTerms(scores, theirs.preferredAntiAffinity, pod, node.node, -1, objects);
    }
  }
  return scores;
}

/** A node's raw score: the sum of its domains' scores. */
export function nodeScore(scores: TopologyScores, node: Node): number {
  const labels = node.metadata?.labels ?? {};
  let total = 0;
  for (const [key, byPair] of scores) {
    const value = labels[key];
    if (value !== undefined) total += byPair.get(topologyPair(key, value)) ?? 0;
  }
  return total;
}

/** Scales to 0..100 between the lowest and the highest score (all equal: 0). */
export function normalizeMinMax(scores: Int32Array | number[]): void {
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const diff = max - min;
  for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
}
