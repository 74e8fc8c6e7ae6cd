/**
 * When each node last showed a sign of life, as upstream's nodeHealthMap
 * keeps it: the probe time is the local time at which the later of the
 * node's Lease `renewTime` and its Ready condition's `lastHeartbeatTime` last
 * advanced (the first observation counts as an advance). Measuring with the
 * controller's own clock, as upstream does, makes a skewed kubelet clock
 * harmless and gives every node a full grace period after a controller restart.
 */
import type { Lease, Node } from '@skiff/api';

interface Observed {
  /** The later heartbeat time the node or its Lease showed (ms since the epoch, by the kubelet's clock). */
  heartbeat: number;
  /** Our clock when that value was first seen. */
  probe: number;
}

function parseTime(value: string | undefined): number {
  if (value === undefined) return 0;
  const t = Date.parse(value);
  return Number.isNaN(t) ? 0 : t;
}

/** The later of the Ready condition's lastHeartbeatTime and the Lease's renewTime (ms; 0 when neither is known). */
export function latestHeartbeat(node: Node, lease: Lease | undefined): number {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return Math.max(parseTime(ready?.lastHeartbeatTime), parseTime(lease?.spec?.renewTime));
}

export class NodeHealthTracker {
  private readonly observed = new Map<string, Observed>();

  /** Records what node and its Lease show now and returns the node's probe time (ms, our clock). */
  observe(node: Node, lease: Lease | undefined, nowMs: number): number {
    const name = node.metadata?.name ?? '';
    const heartbeat = latestHeartbeat(node, lease);
    const seen = this.observed.get(name);
    if (seen === undefined || heartbeat > seen.heartbeat) {
      this.observed.set(name, { heartbeat, probe: nowMs });
      return nowMs;
    }
    return seen.probe;
  }

  /** Forgets nodes not in names (deleted). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.observed.keys()) if (!names.has(name)) this.observed.delete(name);
  }
}
