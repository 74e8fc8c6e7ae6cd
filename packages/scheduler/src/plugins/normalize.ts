/** The shared score normalization (kube-scheduler's `helper.DefaultNormalizeScore`). */
import { MAX_NODE_SCORE } from '../framework/interfaces.js';

/**
 * Scales scores to 0..100 by the highest (integer division); `reverse` turns it around
 * (100 - x). All zeros stay 0, or become 100 when reversed.
 */
export function defaultNormalizeScore(scores: Int32Array | number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) {
      scores[i] = reverse ? MAX_NODE_SCORE : 0;
      continue;
    }
    const scaled = Math.trunc((MAX_NODE_SCORE * scores[i]!) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - scaled : scaled;
  }
}
