/** Reading /proc/<pid>/stat: liveness with protection against pid reuse. */
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), X (dead), ... */
  state: string;
  ppid: number;
  /** Field 6: the session id (a session leader's is its own pid). */
  session: number;
  /** Field 22: start time in clock ticks since boot; with the pid it identifies a process uniquely. */
  startTicks: number;
}

/** Parses /proc/<pid>/stat; undefined when the process does not exist. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: the fields after it start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (state === undefined || !Number.isFinite(startTicks)) return undefined;
  return { pid, state, ppid, session: Number(rest[3]), startTicks };
}

/** True when `pid` is a live (not zombie) process that started at `startTicks`, i.e. still the same process. */
export function isSameProcessAlive(pid: number, startTicks: number): boolean {
  const st = readProcStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X' && st.startTicks === startTicks;
}
