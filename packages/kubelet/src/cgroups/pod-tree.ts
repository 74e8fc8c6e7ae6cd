/**
 * Pod-level cgroups in Kubernetes' QoS tree, as upstream's pod container manager sets them up
 * (ResourceConfigForPod):
 * - Guaranteed pods directly under `kubepods`, Burstable under `kubepods/burstable`, BestEffort under
 *   `kubepods/besteffort` (whose cpu weight is the minimum, 2 shares);
 * - cpu shares/weight from the pod's cpu requests (BestEffort: 2 shares);
 * - a cpu quota and a memory limit at pod level only when every container has that limit (their sum,
 *   raised to the largest init container's, plus overhead);
 * - pids.max from --pod-max-pids, plus the runtime's helpers in each container's cgroup (the shim, and
 *   unshare and the namespace's init when isolated): they are not the pod's processes, as for a
 *   container's own pids limit.
 * Not done: the kubepods level is not limited to node allocatable, and the burstable level's shares are
 * not recomputed from its pods' requests (upstream's QoS container manager does both).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bytes, milliCpu, podQosClass as computeQosClass, podRequests, type Container, type Pod } from '@skiff/api';
import type { Cgroup, CgroupLimits, CgroupManager, PodCgroup, PodQosClass } from './manager.js';

/** The pod's QoS class: the one the apiserver recorded in its status, else computed as Kubernetes does. */
export function podQosClass(pod: Pod): PodQosClass {
  const recorded = pod.status?.qosClass;
  if (recorded === 'Guaranteed' || recorded === 'Burstable' || recorded === 'BestEffort') return recorded;
  return computeQosClass(pod);
}

/** Sum of the app containers' limits of one resource, raised to the largest init container's; undefined when one has none. */
function podLimit(pod: Pod, resource: 'cpu' | 'memory'): number | undefined {
  const parse = (c: Container): number | undefined => {
    const q = c.resources?.limits?.[resource];
    return q === undefined ? undefined : resource === 'cpu' ? milliCpu(q) : bytes(q);
  };
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const v = parse(c);
    if (v === undefined) return undefined;
    sum += v;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const v = parse(c);
    if (v === undefined) return undefined;
    sum = Math.max(sum, v);
  }
  const overhead = pod.spec?.overhead?.[resource];
  return sum + (overhead === undefined ? 0 : resource === 'cpu' ? milliCpu(overhead) : bytes(overhead));
}

/** The limits of a pod's cgroup (see the file comment); `podMaxPids` ≤ 0 or absent: no pids limit. */
export function podCgroupLimits(pod: Pod, podMaxPids?: number, helpersPerContainer = 1): CgroupLimits {
  const qos = podQosClass(pod);
  const limits: CgroupLimits = { cpuRequestMilli: qos === 'BestEffort' ? 0 : podRequests(pod).milliCpu };
  const cpu = podLimit(pod, 'cpu');
  const memory = podLimit(pod, 'memory');
  if (qos !== 'BestEffort' && cpu !== undefined) limits.cpuLimitMilli = cpu;
  if (qos !== 'BestEffort' && memory !== undefined) limits.memoryLimitBytes = memory;
  if (podMaxPids !== undefined && podMaxPids > 0) {
    const containers = (pod.spec?.containers?.length ?? 0) + (pod.spec?.initContainers?.length ?? 0);
    limits.pidsLimit = podMaxPids + containers * helpersPerContainer;
  }
  return limits;
}

/** True when the cgroup has a cpu weight file (the cpu controller is mounted / enabled for it). */
function hasCpuWeight(cg: Cgroup): boolean {
  return existsSync(join(cg.cpuDir, cg.version === 1 ? 'cpu.shares' : 'cpu.weight'));
}

/**
 * Creates (idempotently) the pod's cgroup in its QoS branch with the pod-level limits, and the QoS level
 * above it (BestEffort's with 2 cpu shares). The kubelet calls it before each container start. Throws when
 * a limit the spec asks for cannot be written; BestEffort's minimum weight (which nothing in the spec asks
 * for) is skipped where the cpu controller is not available (a v2 hierarchy without it).
 */
export function ensurePodCgroup(cgroups: CgroupManager, pod: Pod, podMaxPids?: number, helpersPerContainer = 1): PodCgroup {
  const uid = pod.metadata?.uid ?? '';
  const qos = podQosClass(pod);
  const { cpuRequestMilli, ...limits } = podCgroupLimits(pod, podMaxPids, helpersPerContainer);
  const cg = cgroups.createPodCgroup(uid, limits, qos);
  const weighted = qos === 'BestEffort' ? [cg, cgroups.qosCgroup(qos)].filter(hasCpuWeight) : [cg];
  for (const target of weighted) cgroups.writeLimits(target, cpuRequestMilli === undefined ? {} : { cpuRequestMilli });
  return cg;
}
