import { closeSync, openSync, readSync } from 'node:fs';

import type { CgroupPaths, CgroupStats, CgroupStatsReader } from './contract.js';

/** Big enough for memory.stat on current kernels, so a read is one pread; grown on demand. */
const INITIAL_READ_SIZE = 8192;
const MAX_READ_SIZE = 1 << 20;
/** Values above uint64 are rejected, as the native parser does. */
const UINT64_LIMIT = 2 ** 64;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;

const KEY_USAGE_USEC = Buffer.from('usage_usec', 'latin1');
const KEY_V1_INACTIVE_FILE = Buffer.from('total_inactive_file', 'latin1');
const KEY_V2_INACTIVE_FILE = Buffer.from('inactive_file', 'latin1');
const KEY_OOM_KILL = Buffer.from('oom_kill', 'latin1');

/** Result of a keyed lookup: the value, ABSENT, or MALFORMED. */
const ABSENT = -1;
const MALFORMED = -2;

interface TrackedCgroup {
  readonly version: 1 | 2;
  /** v1 cpuacct.usage, v2 cpu.stat */
  readonly cpuFd: number;
  /** v1 memory.usage_in_bytes, v2 memory.current */
  readonly memUsageFd: number;
  /** memory.stat */
  readonly memStatFd: number;
  /** v1 memory.oom_control, v2 memory.events */
  readonly oomFd: number;
  /** The OOM kill count oomFd last gave; undefined until it has been read. */
  oomKills?: number;
}

/** The path of the node-wide counters, whose `oom_kill` line counts every OOM kill (kernel >= 4.13). */
const NODE_VMSTAT = '/proc/vmstat';

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

/**
 * Parses the unsigned decimal starting at `start` (at least one digit, below 2^64).
 * Returns [value, indexAfterDigits], or null when there is no number.
 */
function parseDigits(buf: Buffer, start: number, end: number): [number, number] | null {
  let i = start;
  let v = 0;
  while (i < end) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) break;
    v = v * 10 + (c - ZERO);
    i++;
  }
  if (i === start || v >= UINT64_LIMIT) return null;
  return [v, i];
}

/** A file holding exactly one number, optionally surrounded by whitespace; null when malformed. */
function parseSingleValue(buf: Buffer, len: number): number | null {
  let i = 0;
  while (i < len && isSpace(buf[i]!)) i++;
  const parsed = parseDigits(buf, i, len);
  if (parsed === null) return null;
  i = parsed[1];
  while (i < len && isSpace(buf[i]!)) i++;
  return i === len ? parsed[0] : null;
}

/**
 * Finds the line `<key><blanks><number>` in a flat-keyed file (memory.stat, cpu.stat, memory.events,
 * memory.oom_control). The key must be a whole word at the start of a line, so `inactive_file` does not
 * match `total_inactive_file`. Returns the value, ABSENT or MALFORMED.
 */
function findKeyedValue(buf: Buffer, len: number, key: Buffer): number {
  const keyLen = key.length;
  let p = 0;
  while (p < len) {
    let eol = buf.indexOf(LF, p);
    if (eol < 0 || eol > len) eol = len;
    if (eol - p > keyLen && isBlank(buf[p + keyLen]!) && startsWith(buf, p, key)) {
      let v = p + keyLen;
      while (v < eol && isBlank(buf[v]!)) v++;
      const parsed = parseDigits(buf, v, eol);
      if (parsed === null) return MALFORMED;
      let i = parsed[1];
      while (i < eol && isSpace(buf[i]!)) i++;
      return i === eol ? parsed[0] : MALFORMED;
    }
    p = eol + 1;
  }
  return ABSENT;
}

function startsWith(buf: Buffer, at: number, key: Buffer): boolean {
  for (let k = 0; k < key.length; k++) {
    if (buf[at + k] !== key[k]) return false;
  }
  return true;
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // Closing a descriptor we own can only fail with EBADF/EIO; nothing to recover.
    }
  }
}

function validatePaths(paths: CgroupPaths): void {
  if (typeof paths !== 'object' || paths === null) {
    throw new TypeError('paths must be a CgroupPaths object');
  }
  const p = paths as { version?: unknown; cpuacctDir?: unknown; memoryDir?: unknown; dir?: unknown };
  if (p.version === 1) {
    if (typeof p.cpuacctDir !== 'string') throw new TypeError('paths.cpuacctDir must be a string');
    if (typeof p.memoryDir !== 'string') throw new TypeError('paths.memoryDir must be a string');
  } else if (p.version === 2) {
    if (typeof p.dir !== 'string') throw new TypeError('paths.dir must be a string');
  } else {
    throw new TypeError('paths.version must be 1 or 2');
  }
}

function validateId(id: string): void {
  if (typeof id !== 'string') throw new TypeError('id must be a string');
}

/** Opens `name` in `dir` read-only; an empty dir never resolves (mirrors the native reader). */
function openIn(dir: string, name: string): number {
  if (dir === '') throw new Error('empty cgroup directory');
  return openSync(dir.endsWith('/') ? dir + name : `${dir}/${name}`, 'r');
}

/**
 * The TypeScript twin of the native reader: `fs.openSync` once per file in watch(),
 * `fs.readSync(fd, buf, 0, len, 0)` (a pread at offset 0) per file per read, byte-level parsing
 * into a single reused buffer. Implements the CgroupStatsReader contract exactly.
 */
export class TsCgroupStatsReader implements CgroupStatsReader {
  readonly #tracked = new Map<string, TrackedCgroup>();
  #buf: Buffer = Buffer.allocUnsafe(INITIAL_READ_SIZE);
  #closed = false;
  /** /proc/vmstat once opened; -1 when it cannot be; undefined before the first readAll(). */
  #vmstatFd: number | undefined;
  /** The node's OOM kill count at the previous readAll(), when it could be read. */
  #lastNodeOomKills: number | undefined;
  #rereadOomNext = true;

  get size(): number {
    return this.#tracked.size;
  }

  watch(id: string, paths: CgroupPaths): boolean {
    this.#throwIfClosed();
    validateId(id);
    validatePaths(paths);
    const opened: number[] = [];
    try {
      if (paths.version === 1) {
        opened.push(openIn(paths.cpuacctDir, 'cpuacct.usage'));
        opened.push(openIn(paths.memoryDir, 'memory.usage_in_bytes'));
        opened.push(openIn(paths.memoryDir, 'memory.stat'));
        opened.push(openIn(paths.memoryDir, 'memory.oom_control'));
      } else {
        opened.push(openIn(paths.dir, 'cpu.stat'));
        opened.push(openIn(paths.dir, 'memory.current'));
        opened.push(openIn(paths.dir, 'memory.stat'));
        opened.push(openIn(paths.dir, 'memory.events'));
      }
    } catch {
      closeAll(opened);
      return false;
    }
    const [cpuFd, memUsageFd, memStatFd, oomFd] = opened as [number, number, number, number];
    const previous = this.#tracked.get(id);
    this.#tracked.set(id, { version: paths.version, cpuFd, memUsageFd, memStatFd, oomFd });
    if (previous !== undefined) closeTracked(previous);
    return true;
  }

  unwatch(id: string): void {
    validateId(id);
    const tracked = this.#tracked.get(id);
    if (tracked === undefined) return;
    this.#tracked.delete(id);
    closeTracked(tracked);
  }

  read(id: string): CgroupStats | null {
    this.#throwIfClosed();
    validateId(id);
    const tracked = this.#tracked.get(id);
    return tracked === undefined ? null : this.#readTracked(tracked, true);
  }

  readAll(): Array<{ id: string; stats: CgroupStats }> {
    this.#throwIfClosed();
    const rereadOom = this.#nodeOomKillsChanged();
    const out: Array<{ id: string; stats: CgroupStats }> = [];
    for (const [id, tracked] of this.#tracked) {
      const stats = this.#readTracked(tracked, rereadOom);
      if (stats !== null) out.push({ id, stats });
    }
    return out;
  }

  close(): void {
    for (const tracked of this.#tracked.values()) closeTracked(tracked);
    this.#tracked.clear();
    if (this.#vmstatFd !== undefined && this.#vmstatFd >= 0) closeAll([this.#vmstatFd]);
    this.#vmstatFd = -1;
    this.#closed = true;
  }

  /**
   * Whether this readAll() must re-read the cgroups' OOM files: the node's OOM kill count changed since
   * the previous readAll() or the one before (the kernel bumps it just before the cgroup's counter), or
   * it cannot be read. Otherwise no cgroup's count can have changed.
   */
  #nodeOomKillsChanged(): boolean {
    if (this.#vmstatFd === undefined) {
      try {
        this.#vmstatFd = openSync(NODE_VMSTAT, 'r');
      } catch {
        this.#vmstatFd = -1;
      }
    }
    const n = this.#vmstatFd < 0 ? -1 : this.#readWhole(this.#vmstatFd);
    const count = n < 0 ? MALFORMED : findKeyedValue(this.#buf, n, KEY_OOM_KILL);
    if (count < 0) {
      this.#lastNodeOomKills = undefined;
      this.#rereadOomNext = true;
      return true;
    }
    const changed = count !== this.#lastNodeOomKills;
    const reread = changed || this.#rereadOomNext;
    this.#rereadOomNext = changed;
    this.#lastNodeOomKills = count;
    return reread;
  }

  #throwIfClosed(): void {
    if (this.#closed) throw new Error('CgroupStatsReader is closed');
  }

  /** Reads a whole file from offset 0 into this.#buf; returns its length, or -1 on error. */
  #readWhole(fd: number): number {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, this.#buf, 0, this.#buf.length, 0);
      } catch {
        return -1;
      }
      if (n < this.#buf.length) return n;
      if (this.#buf.length >= MAX_READ_SIZE) return -1;
      this.#buf = Buffer.allocUnsafe(this.#buf.length * 2);
    }
  }

  /** One cgroup's statistics; its OOM file is read when `rereadOom` or never read before, else its last count is kept. */
  #readTracked(t: TrackedCgroup, rereadOom: boolean): CgroupStats | null {
    let n = this.#readWhole(t.cpuFd);
    if (n < 0) return null;
    let cpuUsageNanos: number;
    if (t.version === 1) {
      const v = parseSingleValue(this.#buf, n);
      if (v === null) return null;
      cpuUsageNanos = v;
    } else {
      const usec = findKeyedValue(this.#buf, n, KEY_USAGE_USEC);
      if (usec < 0) return null;
      cpuUsageNanos = usec * 1000;
    }

    n = this.#readWhole(t.memUsageFd);
    if (n < 0) return null;
    const memoryUsageBytes = parseSingleValue(this.#buf, n);
    if (memoryUsageBytes === null) return null;

    n = this.#readWhole(t.memStatFd);
    if (n < 0) return null;
    const inactive = findKeyedValue(this.#buf, n, t.version === 1 ? KEY_V1_INACTIVE_FILE : KEY_V2_INACTIVE_FILE);
    if (inactive === MALFORMED) return null;
    const inactiveFile = inactive === ABSENT ? 0 : inactive;

    if (rereadOom || t.oomKills === undefined) {
      n = this.#readWhole(t.oomFd);
      if (n < 0) return null;
      const oom = findKeyedValue(this.#buf, n, KEY_OOM_KILL);
      if (oom === MALFORMED) return null;
      t.oomKills = oom === ABSENT ? 0 : oom;
    }

    return {
      cpuUsageNanos,
      memoryUsageBytes,
      memoryWorkingSetBytes: memoryUsageBytes > inactiveFile ? memoryUsageBytes - inactiveFile : 0,
      oomKills: t.oomKills,
    };
  }
}

function closeTracked(t: TrackedCgroup): void {
  closeAll([t.cpuFd, t.memUsageFd, t.memStatFd, t.oomFd]);
}
