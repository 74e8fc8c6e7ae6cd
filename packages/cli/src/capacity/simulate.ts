/**
 * `skiff capacity`'s computation: how many more pods of a shape fit, and where, found by the
 * scheduler's own core placing copies of the shape on a copy of the cluster until one fails
 * (as the cluster-capacity tool does), each placement accounted for the next (`scheduleBatch`).
 */
import type { Node, Pod } from '@skiff/api';
import { createSchedulerCore, type ScheduleResult, type SchedulerCoreKind } from '@skiff/scheduler';
import { loadClusterCopy } from './cluster-copy.js';
import { fitErrorMessage } from './fit-error.js';
import { shapeRequests, type PodShape } from './shape.js';

/** What to simulate. */
export interface CapacityOptions {
  shape: PodShape;
  /** Only nodes with these labels (`spec.nodeSelector`). */
  nodeSelector?: Readonly<Record<string, string>>;
  /** Place exactly this many and say whether they fit; unset: place until one fails. */
  count?: number;
  /** The scheduler core: `native` (Rust, the scheduler's own) or `ts` (its TypeScript twin). */
  core: SchedulerCoreKind;
}

/** Pods of the shape placed on one node. */
export interface NodePlacement {
  node: string;
  pods: number;
}

/** The answer. */
export interface CapacityReport {
  shape: PodShape;
  core: SchedulerCoreKind;
  nodeSelector: Readonly<Record<string, string>>;
  /** Nodes in the cluster. */
  totalNodes: number;
  /** Nodes the node selector admits. */
  candidateNodes: number;
  /** Pods not yet bound: not counted, and they may take capacity first. */
  pendingPods: number;
  /** With `count`: how many were asked for; else null. */
  count: number | null;
  /** With `count`: whether all of them fit; else null. */
  fits: boolean | null;
  /** How many pods of the shape were placed. */
  placed: number;
  /** Per node, most first (ties by name); nodes with none are left out. */
  placements: NodePlacement[];
  /** Why the next pod (or the first that did not fit) fits nowhere; null when all `count` fit. */
  reason: string | null;
  /** Milliseconds spent loading the copy and placing pods (not listing). */
  simulationMs: number;
}

/** Batches placed after the first when the first does not end in a failure. */
const FOLLOW_UP_BATCH = 1024;

/**
 * Places copies of `options.shape` on a copy of `nodes` and `pods` (the cluster's lists) in a
 * fresh scheduler core. Without a count it places until one fails: the first batch is sized by
 * the copy's per-node bound plus one, so one call usually ends in exactly one failure; more
 * batches follow if it does not. With a count it places that many in one call.
 */
export function simulateCapacity(nodes: readonly Node[], pods: readonly Pod[], options: CapacityOptions): CapacityReport {
  const started = performance.now();
  const core = createSchedulerCore(options.core);
  const nodeSelector = options.nodeSelector ?? {};
  const copy = loadClusterCopy(core, nodes, pods, options.shape, nodeSelector);
  const requests = shapeRequests(options.shape);
  const placedOn = new Map<string, number>();
  let placed = 0;
  let failure: ScheduleResult | undefined;
  const place = (n: number): void => {
    const results = core.scheduleBatch(new Array<typeof requests>(n).fill(requests));
    for (const r of results) {
      if (r.nodeName === null) {
        failure ??= r;
        continue;
      }
      placed++;
      placedOn.set(r.nodeName, (placedOn.get(r.nodeName) ?? 0) + 1);
    }
  };
  if (options.count !== undefined) {
    place(options.count);
  } else {
    const bound = copy.nodes.reduce((sum, n) => sum + n.fitBound, 0);
    place(Number.isFinite(bound) ? bound + 1 : FOLLOW_UP_BATCH);
    while (failure === undefined) place(FOLLOW_UP_BATCH);
  }
  // A failed placement is not accounted, so the failure's reasons describe the state after every success.
  const reason = failure === undefined ? null : fitErrorMessage(copy, options.shape, failure.reasons, placedOn);
  const placements = [...placedOn]
    .map(([node, n]) => ({ node, pods: n }))
    .sort((a, b) => b.pods - a.pods || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return {
    shape: options.shape,
    core: options.core,
    nodeSelector,
    totalNodes: copy.totalNodes,
    candidateNodes: copy.nodes.length,
    pendingPods: copy.pendingPods,
    count: options.count ?? null,
    fits: options.count === undefined ? null : placed === options.count,
    placed,
    placements,
    reason,
    simulationMs: performance.now() - started,
  };
}
