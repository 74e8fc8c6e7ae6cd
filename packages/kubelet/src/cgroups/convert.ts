/**
 * Kubernetes' conversions from millicores to cgroup values (pkg/kubelet/cm/helpers_linux.go and
 * cgroup_manager_linux.go), so that a container gets the same numbers here as under the kubelet.
 */

/** cpu.shares bounds and the shares of one cpu. */
export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const SHARES_PER_CPU = 1024;
/** The CFS period written for every cpu limit, in microseconds. */
export const CFS_PERIOD_US = 100000;
/** The smallest CFS quota the kernel accepts, in microseconds. */
export const MIN_QUOTA_US = 1000;

/** Kubernetes' MilliCPUToShares: 0 (no request) → 2, otherwise milli*1024/1000 clamped to [2, 262144]. */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu <= 0) return MIN_SHARES;
  const shares = Math.floor((milliCpu * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** Kubernetes' MilliCPUToQuota: milli*period/1000 (= milli*100 for the 100 ms period), at least 1000; 0 for no limit. */
export function milliCpuToQuota(milliCpu: number, periodUs: number = CFS_PERIOD_US): number {
  if (milliCpu <= 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milliCpu * periodUs) / 1000));
}

/** Kubernetes' CpuSharesToCpuWeight (cgroup v1 cpu.shares → v2 cpu.weight): 1 + (shares-2)*9999/262142, integer division. */
export function cpuSharesToWeight(shares: number): number {
  return Math.floor(((shares - 2) * 9999) / 262142) + 1;
}
