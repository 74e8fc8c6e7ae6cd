// Hand-written typings of build/Release/node_agent.node. C++ has no typings
// generator: keep this file exactly in step with src/*.cc (the exported names,
// argument checks and return shapes).

/** Where one cgroup lives: v1 needs the cpuacct and memory hierarchies' directories, v2 the unified directory. */
export type CgroupPaths = { version: 1; cpuacctDir: string; memoryDir: string } | { version: 2; dir: string };

/** One statistics snapshot. Values are exact below 2^53 (about 104 days of cpu time in nanoseconds). */
export interface CgroupStats {
  /** Cumulative cpu time in nanoseconds (v1 cpuacct.usage; v2 cpu.stat usage_usec * 1000). */
  cpuUsageNanos: number;
  /** v1 memory.usage_in_bytes; v2 memory.current. */
  memoryUsageBytes: number;
  /** Usage minus inactive file pages, floored at 0 (v1 memory.stat total_inactive_file; v2 memory.stat inactive_file; a missing key counts as 0). */
  memoryWorkingSetBytes: number;
  /** OOM kills so far (v1 memory.oom_control `oom_kill`; v2 memory.events `oom_kill`; 0 when the line is missing). */
  oomKills: number;
}

/**
 * Native cgroup statistics reader. Files are opened once in watch() and re-read
 * with pread(2) from offset 0 on every read; all work is synchronous on the
 * calling (main) thread. Argument type errors throw TypeError.
 */
export declare class CgroupStatsReader {
  constructor();
  /**
   * Opens the cgroup's four stat files and tracks them under `id`, replacing an
   * existing entry. Returns false when a file cannot be opened; a failed watch
   * changes nothing (an existing entry under `id` stays). Throws after close().
   */
  watch(id: string, paths: CgroupPaths): boolean;
  /** Stops tracking `id` and closes its files; unknown ids and a closed reader are no-ops. */
  unwatch(id: string): void;
  /** Null when `id` is unknown or a read/parse fails (e.g. the cgroup was removed). Throws after close(). */
  read(id: string): CgroupStats | null;
  /**
   * One entry per tracked id that read successfully, in no particular order. OOM files are re-read only
   * when /proc/vmstat's `oom_kill` changed since the previous readAll() or the one before (or cannot be
   * read), and on an id's first read; else the count last read is reported. Throws after close().
   */
  readAll(): Array<{ id: string; stats: CgroupStats }>;
  /** Closes every file; afterwards watch/read/readAll throw and size is 0. Idempotent. */
  close(): void;
  /** Number of tracked ids. */
  readonly size: number;
}

/** A probe (see packages/kubelet/src/probes/contract.ts for the full contract and result messages). */
export type ProbeSpec = { initialDelayMs: number; periodMs: number; timeoutMs: number } & (
  | { kind: 'exec'; argv: string[]; env: Record<string, string>; cgroupProcs: string[] }
  | {
      kind: 'http';
      host: string;
      port: number;
      path: string;
      headers: Array<{ name: string; value: string }>;
      /** Default HTTP; HTTPS: TLS through Node's own OpenSSL, the certificate not verified. */
      scheme?: 'HTTP' | 'HTTPS';
    }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'grpc'; host: string; port: number; service: string }
);

/**
 * One delivery to onResults, as columns (a few values per batch, not objects per row). Ids are the very
 * strings given to set()/watchCgroup(). `@skiff/kubelet`'s NativeProbePoller turns it into the contract's
 * PollerBatch.
 */
export interface PollerColumns {
  /** The id strings given to set() and watchCgroup(), by slot (the same array every batch; holes where freed). */
  names: ReadonlyArray<string | undefined>;
  /** Per probe result: its id's slot in `names`, or 0xFFFFFFFF when its id is in `probeIds` instead. */
  probeSlots: Uint32Array;
  /** Holey: the id of a result whose slot is 0xFFFFFFFF (its probe removed or replaced meanwhile). */
  probeIds: Array<string | undefined>;
  /** 1: success, 0: failure, per probe result. */
  probeOk: Uint8Array;
  probeDurationMs: Float64Array;
  /** Holey: the run's output where it has one (a hole for none). */
  probeOutputs: Array<string | undefined>;
  /** Per statistics row: its id's slot in `names`, or 0xFFFFFFFF when its id is in `statIds` instead. */
  statSlots: Uint32Array;
  /** Holey: the id of a row whose slot is 0xFFFFFFFF. */
  statIds: Array<string | undefined>;
  /** Four values per row: cpuUsageNanos, memoryUsageBytes, memoryWorkingSetBytes, oomKills. */
  statValues: Float64Array;
}

/**
 * Native probe poller: ONE background thread with its own epoll loop runs every probe's timing and I/O
 * (exec via vfork+execve into the container's cgroup, non-blocking tcp, HTTP/1.1 (and HTTPS) and gRPC health checks over
 * HTTP/2 with its own HPACK decoder) and re-reads the
 * watched cgroups' statistics every statsIntervalMs (files kept open, pread at offset 0). Results reach
 * `onResults` on the JS thread through a ThreadSafeFunction, one call per batch. The thread keeps the
 * process alive until close(), which kills and reaps in-flight exec probes and joins the thread.
 * Bad arguments throw TypeError; every method but close() throws after close().
 */
export declare class ProbePoller {
  /** options.tickMs: the thread's wake-up grid (default 10; 0: wake on every event), see ProbeLoop in probe_loop.h. */
  constructor(onResults: (batch: PollerColumns) => void, options?: { statsIntervalMs?: number; batchWindowMs?: number; tickMs?: number });
  set(id: string, spec: ProbeSpec): void;
  remove(id: string): void;
  /** Opens the cgroup's stat files on the calling thread; false when they cannot be opened. */
  watchCgroup(id: string, paths: CgroupPaths): boolean;
  unwatchCgroup(id: string): void;
  /** Synchronous: joins the loop thread. Idempotent. */
  close(): void;
  readonly size: number;
}

/**
 * prctl(PR_SET_CHILD_SUBREAPER): with `true`, processes orphaned below this one are re-parented to it
 * (instead of init) and become its children to reap. Throws an Error with the errno text on failure,
 * TypeError for a non-boolean argument. No TypeScript twin: Node has no API for it (see
 * packages/kubelet/src/runtime/subreaper.ts for the contract and the pure-TS part).
 */
export declare function setChildSubreaper(on: boolean): void;
/** prctl(PR_GET_CHILD_SUBREAPER): whether this process is a child subreaper. */
export declare function isChildSubreaper(): boolean;
/**
 * waitpid(pid, WNOHANG): reaps `pid` if it is an exited child of this process and returns its raw wait
 * status; null when it has not exited or is not a child (ECHILD). TypeError unless pid is a positive integer.
 */
export declare function reapChild(pid: number): number | null;
