/**
 * Free capacity per node, as the scheduler's NodeResourcesFit sees it, and the
 * two capacity-planning measures derived from it.
 *
 * Free capacity of a node = its allocatable cpu, memory and pod count minus
 * the effective requests (`podRequests`: containers, init containers,
 * overhead) and the count of the non-terminal pods bound to it, floored at 0.
 * A cordoned node (`spec.unschedulable`) has no usable free capacity: the
 * scheduler sends it nothing.
 *
 * - Largest fitting pod: the largest cpu request (cores) and the largest
 *   memory request (bytes) a new pod could have and still be placed on the
 *   node now, i.e. the free cpu and free memory, or 0 for both when the node
 *   has no free pod slot or is cordoned. A pod asking for both the node's
 *   largest cpu and its largest memory fits too.
 * - Stranded capacity: on a schedulable node where a pod of the reference
 *   shape does not fit (free cpu below its cpu, or free memory below its
 *   memory, or no free pod slot), all the node's free cpu and free memory is
 *   stranded: it is unallocated but no pod of that shape can use it. On a node
 *   where the reference pod fits, nothing is stranded. Summed over nodes it is
 *   the capacity lost to fragmentation and imbalance (a node full on memory
 *   with idle cores), which adding up free capacity alone hides.
 */
import { bytes, isPodTerminal, milliCpu, parseQuantity, podRequests, type Node, type Pod } from '@skiff/api';

/** The pod shape stranded capacity is measured against. */
export interface ReferencePod {
  milliCpu: number;
  memoryBytes: number;
}

/** One node's free capacity. */
export interface NodeFree {
  node: string;
  schedulable: boolean;
  milliCpu: number;
  memoryBytes: number;
  pods: number;
}

/** cpu in cores and memory in bytes, the units of both measures. */
export interface CpuMemory {
  cpu: number;
  memory: number;
}

function quantity(parse: (q: string | number) => number, q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return parse(q);
  } catch {
    return 0;
  }
}

/** Free capacity of every node, from the nodes and all pods (pods of unknown nodes are ignored). */
export function nodeFree(nodes: readonly Node[], pods: readonly Pod[]): NodeFree[] {
  const used = new Map<string, { milliCpu: number; memoryBytes: number; pods: number }>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node === undefined || node === '' || isPodTerminal(pod)) continue;
    const r = podRequests(pod);
    const u = used.get(node) ?? { milliCpu: 0, memoryBytes: 0, pods: 0 };
    u.milliCpu += r.milliCpu;
    u.memoryBytes += r.memoryBytes;
    u.pods += 1;
    used.set(node, u);
  }
  return nodes.map((n) => {
    const name = n.metadata?.name ?? '';
    const alloc = n.status?.allocatable ?? {};
    const u = used.get(name) ?? { milliCpu: 0, memoryBytes: 0, pods: 0 };
    return {
      node: name,
      schedulable: n.spec?.unschedulable !== true,
      milliCpu: Math.max(0, quantity(milliCpu, alloc['cpu']) - u.milliCpu),
      memoryBytes: Math.max(0, quantity(bytes, alloc['memory']) - u.memoryBytes),
      pods: Math.max(0, Math.floor(quantity(parseQuantity, alloc['pods'])) - u.pods),
    };
  });
}

/** The largest cpu and memory request that still fits on the node. */
export function largestFittingPod(free: NodeFree): CpuMemory {
  if (!free.schedulable || free.pods < 1) return { cpu: 0, memory: 0 };
  return { cpu: free.milliCpu / 1000, memory: free.memoryBytes };
}

/** The node's free cpu and memory that a pod of the reference shape cannot use. */
export function strandedCapacity(free: NodeFree, reference: ReferencePod): CpuMemory {
  if (!free.schedulable) return { cpu: 0, memory: 0 };
  const fits = free.pods >= 1 && free.milliCpu >= reference.milliCpu && free.memoryBytes >= reference.memoryBytes;
  return fits ? { cpu: 0, memory: 0 } : { cpu: free.milliCpu / 1000, memory: free.memoryBytes };
}
