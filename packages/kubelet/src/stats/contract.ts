/**
 * The cgroup statistics contract shared by the native (C++, `@skiff/node-agent`)
 * and the TypeScript implementations. Both must behave identically; the tests in
 * test/cgroup-stats.test.ts run every case against both.
 */

/** Where one container's (or pod's) cgroup lives; the kubelet detects the layout at start-up. */
export type CgroupPaths =
  /** e.g. cpuacctDir /sys/fs/cgroup/cpuacct/skiff/pod<uid>/<ctr>, memoryDir /sys/fs/cgroup/memory/skiff/pod<uid>/<ctr> */
  | { version: 1; cpuacctDir: string; memoryDir: string }
  /** e.g. /sys/fs/cgroup/skiff/pod<uid>/<ctr> */
  | { version: 2; dir: string };

/**
 * One statistics snapshot. All values are JS numbers: exact below 2^53
 * (about 104 days of cpu time in nanoseconds), rounded above.
 */
export interface CgroupStats {
  /** Cumulative cpu time in nanoseconds (v1 cpuacct.usage; v2 cpu.stat usage_usec * 1000). */
  cpuUsageNanos: number;
  /** v1 memory.usage_in_bytes; v2 memory.current. */
  memoryUsageBytes: number;
  /**
   * Usage minus inactive file pages, floored at 0, as the kubelet/cAdvisor define the working set
   * (v1 memory.stat total_inactive_file; v2 memory.stat inactive_file; a missing key counts as 0).
   */
  memoryWorkingSetBytes: number;
  /** OOM kills in this cgroup so far (v1 memory.oom_control `oom_kill`, 0 when the kernel lacks the line; v2 memory.events `oom_kill`). */
  oomKills: number;
}

/**
 * Reads the statistics of many cgroups repeatedly. Files are opened once in watch() and kept open;
 * each read re-reads them from offset 0 (pread), which is ~4x cheaper than open+read each time.
 *
 * Files per cgroup: v1 cpuacct.usage, memory.usage_in_bytes, memory.stat, memory.oom_control;
 * v2 cpu.stat, memory.current, memory.stat, memory.events. A file that reads but does not parse
 * (a number missing where one is required, or garbage after it) makes the read fail.
 * All methods are synchronous. A non-string id or a malformed `paths` object throws TypeError.
 */
export interface CgroupStatsReader {
  /**
   * Start tracking a cgroup under an id of the caller's choosing. Returns false (and tracks nothing)
   * when the cgroup's files cannot be opened; a failed watch changes nothing, so an entry already
   * tracked under `id` stays. Watching an id again replaces it (the old files are closed).
   * Throws after close().
   */
  watch(id: string, paths: CgroupPaths): boolean;
  /** Stop tracking and close the files; unknown id (and a closed reader) is a no-op. */
  unwatch(id: string): void;
  /** Read one; null when the id is unknown or a read fails (e.g. the cgroup was removed). Throws after close(). */
  read(id: string): CgroupStats | null;
  /**
   * Read all tracked cgroups in one call: one entry per id that read successfully, in no particular order.
   * The OOM files are re-read only when the node's OOM kill count (`oom_kill` in /proc/vmstat, which the
   * kernel bumps with the victim cgroup's for every kill, global or cgroup-limited) changed since the
   * previous readAll() or the one before, when that count cannot be read, and on a cgroup's first read;
   * otherwise each cgroup reports the count it last read, which cannot have changed. Throws after close().
   */
  readAll(): Array<{ id: string; stats: CgroupStats }>;
  /** Close every file. The reader is unusable afterwards (watch/read/readAll throw, size is 0). Idempotent. */
  close(): void;
  /** Number of tracked ids. */
  readonly size: number;
}

/** Which implementation createCgroupStatsReader() builds. */
export type CgroupStatsReaderKind = 'native' | 'ts';
