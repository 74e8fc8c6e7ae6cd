/**
 * ImageLocality: favours nodes that already hold the pod's images. Each image present on the
 * node adds `size * nodesWithImage / allNodes` (spread-scaled, so an image everywhere counts
 * less); the sum is clamped to [23 MiB, 1000 MiB × containers] and scaled to 0..100.
 */
import type { CycleState, FrameworkHandle, PodInfo, PreScorePlugin, ScorePlugin } from '../framework/interfaces.js';
import { MAX_NODE_SCORE } from '../framework/interfaces.js';
import { normalizedImageName, type NodeInfo } from '../framework/node-info.js';
import { SKIP, type Status } from '../framework/status.js';

export const IMAGE_LOCALITY = 'ImageLocality';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;
const IMAGES_KEY = `${IMAGE_LOCALITY}/images`;

/** Scales the summed image sizes to 0..100 between the thresholds. */
export function imageScore(sum: number, containers: number): number {
  const max = MAX_CONTAINER_THRESHOLD * containers;
  const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = IMAGE_LOCALITY;

  constructor(private readonly handle: FrameworkHandle) {}

  /** Skip when no node holds any of the pod's images (every node would score 0). */
  preScore(state: CycleState, pod: PodInfo): Status | null {
    const containers = [...(pod.pod.spec?.initContainers ?? []), ...(pod.pod.spec?.containers ?? [])];
    const images = containers.map((c) => normalizedImageName(c.image ?? ''));
    if (!images.some((i) => this.handle.nodes.nodesWithImage(i) > 0)) return SKIP;
    state.write(IMAGES_KEY, images);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const images = state.read<string[]>(IMAGES_KEY) ?? [];
    const all = this.handle.nodes.size;
    let sum = 0;
    for (const image of images) {
      const size = node.images.get(image);
      if (size !== undefined) sum += Math.trunc((size * this.handle.nodes.nodesWithImage(image)) / all);
    }
    return imageScore(sum, images.length);
  }
}
