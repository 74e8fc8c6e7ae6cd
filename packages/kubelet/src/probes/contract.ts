/**
 * The probe poller contract shared by the native poller (C++, `@skiff/node-agent` ProbePoller: one background
 * thread with its own epoll loop) and its TypeScript twin (ts-poller.ts: child_process, net, http and timers).
 * Both must give the same results for the same specs; test/probe-poller.test.ts runs every case against both.
 *
 * The poller owns probe timing and I/O only. What a result means (thresholds, restarts, readiness) is the
 * prober manager's business (manager.ts).
 *
 * Timing: a probe added at time T first runs at T + initialDelayMs, then every periodMs measured from the start
 * of the previous run; a run still in flight when the next one is due delays it until it ends (runs of one
 * probe never overlap). Replacing a probe (set() with a known id) discards the in-flight run's result and
 * starts the schedule again. Results are delivered in batches: the first result waits at most batchWindowMs
 * for others to join it (one JavaScript call per batch, not per probe).
 *
 * Results (`output` is what upstream's prober reports, so the kubelet's events carry the same text):
 * - exec: argv run WITHOUT a shell (argv[0] looked up in the spec's PATH when it has no '/'), the process
 *   first placed in every cgroup.procs file of `cgroupProcs` (exit 121 if that fails), stdin /dev/null,
 *   stdout+stderr captured (first 10 KiB). Exit 0 → success, other → failure; output the captured text either way.
 *   Past timeoutMs the process group is SIGKILLed → failure `command "<argv joined by spaces>" timed out`.
 *   argv[0] not found → failure `exec: "<argv0>": executable file not found in $PATH`.
 * - httpGet (HTTP/1.1, `Connection: close`, host must be an IP literal; scheme HTTPS: TLS 1.2+ without
 *   certificate verification, as upstream): status 200-399 → success (output ''), other → failure
 *   `HTTP probe failed with statuscode: <code>`. Connection errors → failure
 *   `Get "<url>": dial tcp <host>:<port>: connect: <reason>`; past timeoutMs → `Get "<url>": context deadline exceeded`.
 *   TLS failures → `Get "<url>": http: server gave HTTP response to HTTPS client` (a plain-text answer) or
 *   `Get "<url>": tls: <OpenSSL's reason>`; the connection closed early → `Get "<url>": EOF`.
 * - tcpSocket: connect succeeds → success; refused → failure `dial tcp <host>:<port>: connect: <reason>`;
 *   past timeoutMs → `dial tcp <host>:<port>: i/o timeout`.
 * - grpc: grpc.health.v1.Health/Check{service} over h2c (prior knowledge) with upstream's texts: SERVING → success
 *   `service healthy`; another status → failure `service unhealthy (responded with "NOT_SERVING")`; a non-OK
 *   grpc-status or a non-gRPC answer → failure `error: health rpc probe failed: rpc error: code = <Code> desc = <msg>`
 *   (Unimplemented: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): <msg>`).
 *   The connection is made when the server's HTTP/2 SETTINGS arrive; a failure or timeout before that →
 *   `timeout: failed to connect service "<host>:<port>" within <Go duration>: context deadline exceeded` (upstream's
 *   blocking dial retries until its deadline; here the first failure ends the run with that text), past timeoutMs
 *   after it → `timeout: health rpc did not complete within <Go duration>`. See grpc-health.ts.
 * `<reason>` is Go's text for the errno (`connection refused`, `no route to host`, …).
 */
import type { CgroupPaths, CgroupStats } from '../stats/contract.js';

interface ProbeTiming {
  /** Delay before the first run. */
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
}

export type ProbeSpec =
  | (ProbeTiming & {
      kind: 'exec';
      argv: string[];
      /** The process's whole environment (its PATH is where argv[0] is looked up). */
      env: Record<string, string>;
      /** cgroup.procs files the process is written into before it executes (the container's cgroup). */
      cgroupProcs: string[];
    })
  | (ProbeTiming & {
      kind: 'http';
      /** An IPv4 or IPv6 literal. */
      host: string;
      port: number;
      /** Request target, starting with '/'. */
      path: string;
      /** Extra request headers (a Host header here replaces the default). */
      headers: Array<{ name: string; value: string }>;
      /** Default HTTP. */
      scheme?: 'HTTP' | 'HTTPS';
    })
  | (ProbeTiming & { kind: 'tcp'; host: string; port: number })
  | (ProbeTiming & {
      kind: 'grpc';
      /** An IPv4 or IPv6 literal. */
      host: string;
      port: number;
      /** The HealthCheckRequest's service ('' asks for the server as a whole). */
      service: string;
    });

export type ProbeKind = ProbeSpec['kind'];

/** The outcome of one probe run. */
export interface ProbeRunResult {
  id: string;
  result: 'success' | 'failure';
  output: string;
  /** Wall time of the run in milliseconds. */
  durationMs: number;
}

/** One delivery: probe results and/or a round of cgroup statistics. */
export interface PollerBatch {
  probes: ProbeRunResult[];
  stats: Array<{ id: string; stats: CgroupStats }>;
}

export interface PollerOptions {
  /** Called on the JS thread with each batch (never with an empty one). */
  onResults: (batch: PollerBatch) => void;
  /** Re-read every watched cgroup this often and deliver the round as one batch (0: never). Default 0. */
  statsIntervalMs?: number;
  /** How long the first pending result waits for others to join its batch. Default 20. */
  batchWindowMs?: number;
  /**
   * The native poller's wake-up grid: its thread wakes only every tickMs, starting the runs due in that tick
   * together and collecting the readiness of every run in flight at once, so probe start times, durations and
   * timeouts are precise to a tick. Default 10; 0 wakes on every event. The twin (libuv's loop) ignores it.
   */
  tickMs?: number;
}

/**
 * Runs probes and reads cgroup statistics on a schedule. Argument errors (unknown kind, empty argv, a host
 * that is not an IP literal, non-positive period or timeout) throw TypeError; every method but close() throws
 * after close().
 */
export interface ProbePoller {
  /** Adds the probe under `id`, or replaces the one there (its schedule restarts). */
  set(id: string, spec: ProbeSpec): void;
  /** Removes the probe; an in-flight exec is killed, its result never delivered. Unknown ids are a no-op. */
  remove(id: string): void;
  /** Tracks a cgroup for the statistics rounds; false (nothing tracked) when its files cannot be opened. */
  watchCgroup(id: string, paths: CgroupPaths): boolean;
  unwatchCgroup(id: string): void;
  /** Number of probes. */
  readonly size: number;
  /** Stops everything (kills in-flight exec probes and waits for them); no batch is delivered afterwards. Idempotent. */
  close(): Promise<void>;
}

export type ProbePollerKind = 'native' | 'ts';

/** Upstream's cap on captured probe output. */
export const MAX_PROBE_OUTPUT_BYTES = 10 * 1024;
/** The User-Agent upstream's prober sends. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
