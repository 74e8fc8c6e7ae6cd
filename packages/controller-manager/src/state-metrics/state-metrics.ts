/**
 * Capacity-planning metrics computed from the pod and node informers at
 * scrape time (collect()-based gauges: nothing is kept between scrapes and
 * nothing runs between them). Names, labels and units follow
 * kube-state-metrics v2, so its dashboards and alerts work on Skiff:
 *
 * - `kube_pod_container_resource_requests` and `kube_pod_container_resource_limits`
 *   `{namespace,pod,container,node,resource,unit}`;
 * - `kube_node_status_allocatable` and `kube_node_status_capacity` `{node,resource,unit}`;
 * - `kube_pod_status_phase{namespace,pod,phase}` (1 for the current phase, 0 for the others);
 * - `kube_pod_status_scheduled_time`, `kube_pod_start_time`, `kube_pod_status_ready_time`
 *   `{namespace,pod}` in unix seconds;
 *
 * plus Skiff's own, defined in `headroom.ts`:
 * - `skiff_node_largest_fitting_pod{node,resource}` (cpu in cores, memory in bytes);
 * - `skiff_node_stranded_capacity{node,resource}` (same units), against a
 *   reference pod shape (default: the scheduler's requests for a container
 *   that requests nothing, 100m cpu and 200Mi memory).
 *
 * Before the informers have synced the gauges are simply empty. The owner
 * starts and stops the informers; this class only reads them.
 */
import { Gauge, type Registry } from 'prom-client';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, formatBytes, formatMilliCpu, type Node, type Pod } from '@skiff/api';
import type { Informer } from '@skiff/client';
import { largestFittingPod, nodeFree, strandedCapacity, type CpuMemory, type NodeFree, type ReferencePod } from './headroom.js';
import { conditionTrueSince, containerResourceSamples, phaseSamples, startTime } from './pod-samples.js';
import { resourceSamples } from './resources.js';

export interface StateMetricsOptions {
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  /** The registry the gauges are registered in (the controller-manager's). */
  metrics: Registry;
  /** The pod shape `skiff_node_stranded_capacity` is measured against. */
  referencePod?: ReferencePod;
}

type Sample<L extends string> = { labels: Record<L, string>; value: number };

/** Replaces a gauge's series with `samples` (the body of every collect()). */
function refill<L extends string>(gauge: Gauge<L>, samples: Iterable<Sample<L>>): void {
  gauge.reset();
  for (const s of samples) gauge.set(s.labels as Partial<Record<L, string>>, s.value);
}

const CONTAINER_LABELS = ['namespace', 'pod', 'container', 'node', 'resource', 'unit'] as const;
const NODE_LABELS = ['node', 'resource', 'unit'] as const;
const POD_LABELS = ['namespace', 'pod'] as const;
const NODE_RESOURCE_LABELS = ['node', 'resource'] as const;

/** Registers the gauges in `options.metrics` on construction; there is nothing to start or stop. */
export class StateMetrics {
  /** The shape `skiff_node_stranded_capacity` is measured against. */
  readonly referencePod: ReferencePod;

  constructor(private readonly options: StateMetricsOptions) {
    this.referencePod = options.referencePod ?? { milliCpu: DEFAULT_MILLI_CPU_REQUEST, memoryBytes: DEFAULT_MEMORY_REQUEST };
    const registers = [options.metrics];
    const shape = `${formatMilliCpu(this.referencePod.milliCpu)} cpu, ${formatBytes(this.referencePod.memoryBytes)} memory`;
    // collect() runs with the gauge as `this`, so the sample sources are closures over this instance.
    const containers = (kind: 'requests' | 'limits'): Array<Sample<(typeof CONTAINER_LABELS)[number]>> =>
      this.pods().flatMap((p) => containerResourceSamples(p, kind).map(({ value, ...labels }) => ({ labels, value })));
    const nodes = (field: 'allocatable' | 'capacity'): Array<Sample<(typeof NODE_LABELS)[number]>> =>
      this.nodes().flatMap((n) =>
        resourceSamples(n.status?.[field]).map(({ value, ...r }) => ({ labels: { node: n.metadata?.name ?? '', ...r }, value })),
      );
    const phases = (): Array<Sample<'namespace' | 'pod' | 'phase'>> =>
      this.pods().flatMap((p) => phaseSamples(p).map(({ phase, value }) => ({ labels: { ...podLabels(p), phase }, value })));
    const perNode = (measure: (free: NodeFree) => CpuMemory): Array<Sample<(typeof NODE_RESOURCE_LABELS)[number]>> => this.perNode(measure);
    const reference = this.referencePod;
    const stranded = (free: NodeFree): CpuMemory => strandedCapacity(free, reference);
    const scheduledAt = (p: Pod): number | undefined => conditionTrueSince(p, 'PodScheduled');
    const readyAt = (p: Pod): number | undefined => conditionTrueSince(p, 'Ready');
    const times = (time: (p: Pod) => number | undefined): Array<Sample<(typeof POD_LABELS)[number]>> =>
      this.pods().flatMap((p) => {
        const value = time(p);
        return value === undefined ? [] : [{ labels: podLabels(p), value }];
      });

    new Gauge({
      name: 'kube_pod_container_resource_requests',
      help: 'The number of requested resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.',
      labelNames: CONTAINER_LABELS,
      registers,
      collect() {
        refill(this, containers('requests'));
      },
    });
    new Gauge({
      name: 'kube_pod_container_resource_limits',
      help: 'The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.',
      labelNames: CONTAINER_LABELS,
      registers,
      collect() {
        refill(this, containers('limits'));
      },
    });
    new Gauge({
      name: 'kube_node_status_allocatable',
      help: 'The allocatable for different resources of a node that are available for scheduling.',
      labelNames: NODE_LABELS,
      registers,
      collect() {
        refill(this, nodes('allocatable'));
      },
    });
    new Gauge({
      name: 'kube_node_status_capacity',
      help: 'The capacity for different resources of a node.',
      labelNames: NODE_LABELS,
      registers,
      collect() {
        refill(this, nodes('capacity'));
      },
    });
    new Gauge({
      name: 'kube_pod_status_phase',
      help: 'The pods current phase.',
      labelNames: ['namespace', 'pod', 'phase'] as const,
      registers,
      collect() {
        refill(this, phases());
      },
    });
    new Gauge({
      name: 'kube_pod_status_scheduled_time',
      help: 'Unix timestamp when pod moved into scheduled status',
      labelNames: POD_LABELS,
      registers,
      collect() {
        refill(this, times(scheduledAt));
      },
    });
    new Gauge({
      name: 'kube_pod_start_time',
      help: 'Start time in unix timestamp for a pod.',
      labelNames: POD_LABELS,
      registers,
      collect() {
        refill(this, times(startTime));
      },
    });
    new Gauge({
      name: 'kube_pod_status_ready_time',
      help: 'Readiness achieved time in unix timestamp for a pod.',
      labelNames: POD_LABELS,
      registers,
      collect() {
        refill(this, times(readyAt));
      },
    });
    new Gauge({
      name: 'skiff_node_largest_fitting_pod',
      help: 'The largest cpu (cores) or memory (bytes) request a new pod could have and still fit on the node now: allocatable minus the requests of its non-terminal pods; 0 when the node is cordoned or has no free pod slot.',
      labelNames: NODE_RESOURCE_LABELS,
      registers,
      collect() {
        refill(this, perNode(largestFittingPod));
      },
    });
    new Gauge({
      name: 'skiff_node_stranded_capacity',
      help: `Free cpu (cores) or memory (bytes) on a schedulable node where a pod of the reference shape (${shape}) does not fit, so no such pod can use it; 0 on nodes where it fits.`,
      labelNames: NODE_RESOURCE_LABELS,
      registers,
      collect() {
        refill(this, perNode(stranded));
      },
    });
  }

  private pods(): Pod[] {
    return this.options.pods.list();
  }

  private nodes(): Node[] {
    return this.options.nodes.list();
  }

  /** One cpu and one memory sample per node, from its free capacity. */
  private perNode(measure: (free: NodeFree) => CpuMemory): Array<Sample<(typeof NODE_RESOURCE_LABELS)[number]>> {
    return nodeFree(this.nodes(), this.pods()).flatMap((free) => {
      const m = measure(free);
      return [
        { labels: { node: free.node, resource: 'cpu' }, value: m.cpu },
        { labels: { node: free.node, resource: 'memory' }, value: m.memory },
      ];
    });
  }
}

function podLabels(p: Pod): Record<'namespace' | 'pod', string> {
  return { namespace: p.metadata?.namespace ?? '', pod: p.metadata?.name ?? '' };
}
