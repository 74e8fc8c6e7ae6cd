/**
 * The kubelet's Node object: capacity read from the host, allocatable after
 * system-reserved, conditions, addresses and the kubelet endpoint the
 * apiserver proxies logs to.
 */
import { statfsSync } from 'node:fs';
import os from 'node:os';
import { formatMilliCpu, nowTimestamp, type Node, type NodeCondition } from '@skiff/api';

export interface NodeFacts {
  name: string;
  /** The address the apiserver reaches this kubelet on. */
  address: string;
  kubeletPort: number;
  /** Max pods (Kubernetes' default 110). */
  maxPods: number;
  /** Reserved for the system: subtracted from capacity. */
  reservedMilliCpu: number;
  reservedMemoryBytes: number;
  /** Directory whose filesystem backs ephemeral storage. */
  dataDir: string;
  labels: Record<string, string>;
}

export const KUBELET_VERSION = 'v1.32.0-skiff.0.1.0';

/** Host capacity: cpu, memory, pods, ephemeral storage. */
export function hostCapacity(facts: NodeFacts): Record<string, string> {
  const cpus = os.availableParallelism();
  let storage = 0;
  try {
    const s = statfsSync(facts.dataDir);
    storage = s.blocks * s.bsize;
  } catch {
    storage = 0;
  }
  return {
    cpu: String(cpus),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(facts.maxPods),
    'ephemeral-storage': `${Math.floor(storage / 1024)}Ki`,
  };
}

/** Allocatable: capacity minus what is reserved for the system. */
export function allocatable(facts: NodeFacts): Record<string, string> {
  const cap = hostCapacity(facts);
  const cpuMilli = os.availableParallelism() * 1000 - facts.reservedMilliCpu;
  const memKi = Math.floor((os.totalmem() - facts.reservedMemoryBytes) / 1024);
  return { ...cap, cpu: formatMilliCpu(Math.max(0, cpuMilli)), memory: `${Math.max(0, memKi)}Ki` };
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string, now: string): NodeCondition {
  return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now };
}

/**
 * The node's conditions now; transition times are kept from `previous` when the status did not change.
 * `pressure` names the pressure conditions the eviction manager holds True.
 */
export function nodeConditions(previous: NodeCondition[] | undefined, pressure: ReadonlySet<string> = new Set()): NodeCondition[] {
  const now = nowTimestamp();
  const fresh = [
    pressure.has('MemoryPressure')
      ? condition('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', now)
      : condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', now),
    pressure.has('DiskPressure')
      ? condition('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure', now)
      : condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', now),
    pressure.has('PIDPressure')
      ? condition('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available', now)
      : condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', now),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now),
  ];
  return fresh.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return old !== undefined && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
}

/** The full Node object the kubelet registers (`pressure`: the pressure conditions that are True). */
export function buildNode(facts: NodeFacts, previous?: Node, pressure?: ReadonlySet<string>): Node {
  const release = os.release();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: facts.name,
      labels: {
        'kubernetes.io/hostname': facts.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        ...facts.labels,
      },
    },
    spec: previous?.spec ?? {},
    status: {
      capacity: hostCapacity(facts),
      allocatable: allocatable(facts),
      conditions: nodeConditions(previous?.status?.conditions, pressure),
      addresses: [
        { type: 'InternalIP', address: facts.address },
        { type: 'Hostname', address: os.hostname() },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: facts.kubeletPort } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: release,
        osImage: `${os.type()} ${release}`,
        containerRuntimeVersion: 'skiff-process://0.1.0',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      },
    },
  };
}
