/**
 * NodePorts: a pod's host ports must be free on the node. Two ports conflict when protocol and
 * port are equal and the host IPs are equal or either is the wildcard `0.0.0.0`.
 */
import type { Pod } from '@skiff/api';
import { ActionType, type ClusterEvent } from '../framework/events.js';
import type { CycleState, EnqueueExtensions, FilterPlugin, PodInfo, PreFilterPlugin } from '../framework/interfaces.js';
import type { HostPort, NodeInfo } from '../framework/node-info.js';
import { Code, SKIP, status, type Status } from '../framework/status.js';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

const WILDCARD = '0.0.0.0';

/** The host ports a pod asks for (containers and sidecars; `hostPort > 0` only). */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({
        hostIP: p.hostIP === undefined || p.hostIP === '' ? WILDCARD : p.hostIP,
        protocol: p.protocol ?? 'TCP',
        port: p.hostPort,
      });
    }
  }
  return out;
}

/** True when the two host ports cannot both be bound. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.hostIP === b.hostIP || a.hostIP === WILDCARD || b.hostIP === WILDCARD);
}

const STATE_KEY = `${NODE_PORTS}/wanted`;

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_PORTS;

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const wanted = podHostPorts(pod.pod);
    if (wanted.length === 0) return SKIP;
    state.write(STATE_KEY, wanted);
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const wanted = state.read<HostPort[]>(STATE_KEY) ?? podHostPorts(pod.pod);
    for (const w of wanted) {
      if (node.usedPorts.some((used) => portsConflict(w, used))) return status(Code.Unschedulable, ERR_REASON_PORTS);
    }
    return null;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ActionType.Delete },
      { resource: 'Node', actions: ActionType.Add },
    ];
  }
}
