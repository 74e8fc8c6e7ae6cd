/**
 * The kubelet as a child subreaper. Without it a process orphaned inside a container (a daemon that
 * double-forks, a `cmd &` whose shell exited, what is left after the main process) is re-parented to the
 * machine's init, and stays a zombie wherever init does not reap (minimal containers and sandboxes).
 * With prctl(PR_SET_CHILD_SUBREAPER) on the kubelet, such orphans become the kubelet's children, and
 * reapOrphans() (every `intervalMs`) waits for the ones that have exited.
 *
 * Which zombies are the kubelet's to reap (adoptedOrphanZombies, plain TypeScript over /proc): children
 * of this process in state Z whose session is neither their own nor this process's. Everything this
 * process spawns itself is one of those two and has an owner that waits for it — libuv for the shims and
 * the probe/hook runs spawned detached (session leaders), the native probe poller for its exec children
 * (same session as the kubelet): reaping one of those first would lose its exit status. A process
 * orphaned below a shim or a probe run keeps that leader's session, so it is neither. An orphan that made
 * itself a session leader (setsid) is left alone, as before.
 *
 * The system calls (prctl, waitpid) are native (`@skiff/node-agent` setChildSubreaper, reapChild): Node
 * has no API for either, so they have no TypeScript twin; the choice of pids, the part with a contract
 * to test, is TypeScript.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from './proc.js';

/** The native calls the subreaper needs (the shape of `@skiff/node-agent`'s exports). */
export interface SubreaperCalls {
  setChildSubreaper(on: boolean): void;
  reapChild(pid: number): number | null;
}

/** The logger shape it takes (a pino Logger fits). */
interface SubreaperLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Pids of this process's children (every thread's /proc/<pid>/task/<tid>/children, else a /proc scan). */
function childrenOf(pid: number): number[] {
  const out = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ')) if (c !== '') out.add(Number(c));
    }
    return [...out];
  } catch {
    // no CONFIG_PROC_CHILDREN: scan every process
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readProcStat(Number(entry))?.ppid === pid) out.add(Number(entry));
  }
  return [...out];
}

/** Zombie children of `selfPid` adopted as orphans (see the file comment for the rule). */
export function adoptedOrphanZombies(selfPid: number = process.pid): number[] {
  const self = readProcStat(selfPid);
  if (self === undefined) return [];
  const out: number[] = [];
  for (const pid of childrenOf(selfPid)) {
    const st = readProcStat(pid);
    if (st === undefined || st.state !== 'Z' || st.ppid !== selfPid) continue;
    if (st.session === pid || st.session === self.session) continue;
    out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

export interface SubreaperOptions {
  calls: SubreaperCalls;
  logger?: SubreaperLogger;
  /** How often exited orphans are reaped. Default 1000 ms. */
  intervalMs?: number;
}

/** Marks this process a child subreaper and reaps its adopted orphans until stop(). */
export class Subreaper {
  private timer: NodeJS.Timeout | undefined;
  private reapedCount = 0;

  constructor(private readonly options: SubreaperOptions) {}

  /** Turns the subreaper on and starts the periodic reaping. Throws when prctl fails. */
  start(): void {
    this.options.calls.setChildSubreaper(true);
    this.timer = setInterval(() => this.reapOrphans(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Reaps the adopted orphans that have exited; returns their pids. */
  reapOrphans(): number[] {
    const reaped: number[] = [];
    for (const pid of adoptedOrphanZombies()) {
      try {
        if (this.options.calls.reapChild(pid) !== null) reaped.push(pid);
      } catch (err) {
        this.options.logger?.warn({ pid, err: String(err) }, 'cannot reap an orphan');
      }
    }
    this.reapedCount += reaped.length;
    return reaped;
  }

  /** Orphans reaped so far. */
  get reaped(): number {
    return this.reapedCount;
  }

  /** Reaps once more, stops, and turns the subreaper off (later orphans go to init again). */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.reapOrphans();
    this.options.calls.setChildSubreaper(false);
  }
}
