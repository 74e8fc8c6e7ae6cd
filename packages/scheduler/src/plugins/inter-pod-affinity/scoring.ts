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
import { addToDomain, affinityTerms, termMatchesPod, type AffinityTerm, type TopologyCounts } from './terms.js';

/** Topology key → label value → score. */
export type TopologyScores = TopologyCounts;

function scoreTerms(
  scores: TopologyScores,
  terms: readonly AffinityTerm[],
  target: Pod,
  node: Node,
  sign: 1 | -1,
  objects: ClusterObjects,
  weight?: number,
): void {
  for (const t of terms) if (termMatchesPod(t, target, objects)) addToDomain(scores, node, t.topologyKey, sign * (weight ?? t.weight));
}

/**
 * The per-domain scores. With preferred terms on the incoming pod every pod on every node
 * counts; without, only the pods with affinity terms (on `affinityNodes`).
 */
export function topologyScores(
  pod: Pod,
  nodes: readonly NodeInfo[],
  affinityNodes: Iterable<NodeInfo>,
  objects: ClusterObjects,
  hardPodAffinityWeight: number,
): TopologyScores {
  const own = affinityTerms(pod);
  const hasOwn = own.preferredAffinity.length > 0 || own.preferredAntiAffinity.length > 0;
  const scores: TopologyScores = new Map();
  for (const node of hasOwn ? nodes : affinityNodes) {
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
  for (const [key, byValue] of scores) {
    const value = labels[key];
    if (value !== undefined) total += byValue.get(value) ?? 0;
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
