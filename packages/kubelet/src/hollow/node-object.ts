/**
 * The Node object of a hollow node: capacity as configured (allocatable is the
 * same: nothing is reserved on a machine that does not exist), labels
 * `type=hollow` and `kubernetes.io/hostname`, Ready and the pressure
 * conditions, a made-up InternalIP derived from the node's index.
 */
import { nowTimestamp, type Node, type NodeCondition } from '@skiff/api';
import { KUBELET_VERSION } from '../node-status.js';

/** What every node of a fleet offers. Quantities are Kubernetes quantity strings. */
export interface HollowNodeSpec {
  cpu: string;
  memory: string;
  /** Max pods. */
  pods: number;
  ephemeralStorage: string;
  /** Extra labels (on top of `type=hollow`, hostname, os and arch). */
  labels: Record<string, string>;
}

export const HOLLOW_NODE_DEFAULTS: Readonly<HollowNodeSpec> = {
  cpu: '4',
  memory: '16Gi',
  pods: 110,
  ephemeralStorage: '100Gi',
  labels: {},
};

/** The label every hollow node carries (as kwok's `type=kwok`). */
export const HOLLOW_LABEL = { key: 'type', value: 'hollow' } as const;

/** A unique address in 10.64.0.0/10 for node `index` (up to about 4 million nodes). */
export function hollowNodeAddress(index: number): string {
  const n = index + 1;
  return `10.${64 + ((n >>> 16) & 63)}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The conditions a healthy node reports, with `now` as heartbeat (and transition) time. */
export function hollowNodeConditions(now: string = nowTimestamp()): NodeCondition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The Node a hollow node registers as. */
export function hollowNode(name: string, index: number, spec: HollowNodeSpec): Node {
  const resources = {
    cpu: spec.cpu,
    memory: spec.memory,
    pods: String(spec.pods),
    'ephemeral-storage': spec.ephemeralStorage,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        ...spec.labels,
        [HOLLOW_LABEL.key]: HOLLOW_LABEL.value,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: { ...resources },
      conditions: hollowNodeConditions(),
      addresses: [
        { type: 'InternalIP', address: hollowNodeAddress(index) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: 'hollow',
        osImage: 'Hollow Node',
        containerRuntimeVersion: 'hollow://0.1.0',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}
