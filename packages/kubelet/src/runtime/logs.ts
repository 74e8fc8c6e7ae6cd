/**
 * Container logs. The shim writes the container's raw stdout and stderr into one file (one open file
 * description, O_APPEND, so the order of writes is kept); lines are cut when read. Timestamps come from
 * the log index (`log.idx`, see state.ts) that a running runtime appends while output grows: a line gets the
 * time of the first index entry at or past its end, i.e. the poll at which the runtime first saw it
 * (precision: the poll interval), or the read time when it has not been indexed yet. Streams are not
 * told apart (no stdout/stderr tag). Lines are decoded as UTF-8; a last line without a newline is returned
 * by readLogFile() and held back by followLogFile() until it is completed or the container has exited.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

interface Line {
  text: string;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past the line (past its newline when it has one). */
  end: number;
  complete: boolean;
}

const CHUNK = 64 * 1024;

function splitLines(buf: Buffer, base: number): Line[] {
  const out: Line[] = [];
  let s = 0;
  for (;;) {
    const i = buf.indexOf(0x0a, s);
    if (i < 0) break;
    out.push({ text: buf.subarray(s, i).toString('utf8'), start: base + s, end: base + i + 1, complete: true });
    s = i + 1;
  }
  if (s < buf.length) out.push({ text: buf.subarray(s).toString('utf8'), start: base + s, end: base + buf.length, complete: false });
  return out;
}

/** The last `tailLines` lines (all when undefined) with their offsets. A missing file has none. */
async function readLines(logPath: string, tailLines: number | undefined): Promise<Line[]> {
  if (tailLines === undefined) {
    let buf: Buffer;
    try {
      buf = await readFile(logPath);
    } catch {
      return [];
    }
    return splitLines(buf, 0);
  }
  if (tailLines <= 0) return [];
  let fh;
  try {
    fh = await open(logPath, 'r');
  } catch {
    return [];
  }
  try {
    const size = (await fh.stat()).size;
    let start = size;
    const chunks: Buffer[] = [];
    // Newlines seen so far, not counting the one ending the file: `tailLines` of them make enough lines.
    let newlines = 0;
    while (start > 0) {
      const len = Math.min(CHUNK, start);
      start -= len;
      const chunk = Buffer.alloc(len);
      await fh.read(chunk, 0, len, start);
      const last = start + len === size ? len - 1 : len;
      for (let i = chunk.indexOf(0x0a); i >= 0 && i < last; i = chunk.indexOf(0x0a, i + 1)) newlines++;
      chunks.unshift(chunk);
      if (newlines >= tailLines) break;
    }
    const buf = Buffer.concat(chunks);
    let lines = splitLines(buf, start);
    if (start > 0) lines = lines.slice(1); // the first piece may be the end of a longer line
    return lines.slice(-tailLines);
  } finally {
    await fh.close();
  }
}

interface LogIndex {
  offsets: number[];
  times: string[];
}

function loadIndex(idxPath: string): LogIndex {
  const idx: LogIndex = { offsets: [], times: [] };
  let text: string;
  try {
    text = readFileSync(idxPath, 'utf8');
  } catch {
    return idx;
  }
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    idx.offsets.push(Number(line.slice(0, sp)));
    idx.times.push(line.slice(sp + 1));
  }
  return idx;
}

function timeFor(idx: LogIndex, end: number): string {
  let lo = 0;
  let hi = idx.offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((idx.offsets[mid] as number) >= end) hi = mid;
    else lo = mid + 1;
  }
  return idx.times[lo] ?? new Date().toISOString();
}

function render(lines: Line[], idxPath: string, timestamps: boolean | undefined): string[] {
  if (timestamps !== true) return lines.map((l) => l.text);
  const idx = loadIndex(idxPath);
  return lines.map((l) => `${timeFor(idx, l.end)} ${l.text}`);
}

/** The lines of a raw log file in order (the last `tailLines` only, when given), optionally time-stamped. */
export async function readLogFile(
  logPath: string,
  idxPath: string,
  options: { tailLines?: number; timestamps?: boolean } = {},
): Promise<string[]> {
  return render(await readLines(logPath, options.tailLines), idxPath, options.timestamps);
}

/**
 * The last lines, then new complete lines as they are appended (checked every `intervalMs`), until the
 * signal fires or `isDone()` was true before a read that found nothing more (the remaining partial line,
 * if any, is yielded last).
 */
export async function* followLogFile(
  logPath: string,
  idxPath: string,
  options: { signal: AbortSignal; tailLines?: number; timestamps?: boolean; isDone: () => boolean; intervalMs?: number },
): AsyncGenerator<string> {
  const { signal, isDone } = options;
  const intervalMs = options.intervalMs ?? 100;
  // The size before the read: with no line read, the follow starts there (0, unless `tailLines: 0` skips
  // what exists), so a line written between the read and now is not skipped.
  let sizeBeforeRead = 0;
  try {
    sizeBeforeRead = (await stat(logPath)).size;
  } catch {
    sizeBeforeRead = 0;
  }
  const initial = await readLines(logPath, options.tailLines);
  // Start after the last complete line read; a partial last line is re-read once completed.
  let position = options.tailLines === undefined ? 0 : sizeBeforeRead;
  const last = initial[initial.length - 1];
  if (last !== undefined && !last.complete) {
    initial.pop();
    position = last.start;
  } else if (last !== undefined) {
    position = last.end;
  }
  for (const l of render(initial, idxPath, options.timestamps)) {
    if (signal.aborted) return;
    yield l;
  }
  for (;;) {
    if (signal.aborted) return;
    const done = isDone();
    let size = position;
    try {
      size = (await stat(logPath)).size;
    } catch {
      // log removed: nothing more will come
      return;
    }
    if (size > position) {
      const fh = await open(logPath, 'r');
      let buf: Buffer;
      try {
        buf = Buffer.alloc(size - position);
        const { bytesRead } = await fh.read(buf, 0, buf.length, position);
        buf = buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
      const lines = splitLines(buf, position);
      const complete = lines.filter((l) => l.complete);
      const tail = lines[lines.length - 1];
      for (const l of render(complete, idxPath, options.timestamps)) {
        if (signal.aborted) return;
        yield l;
      }
      const lastComplete = complete[complete.length - 1];
      if (lastComplete !== undefined) position = lastComplete.end;
      if (done) {
        if (tail !== undefined && !tail.complete) yield* render([tail], idxPath, options.timestamps);
        return;
      }
      continue;
    }
    if (done) return;
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

/** Appends an index entry: every byte before `offset` had been written by `at`. */
export function appendLogIndex(idxPath: string, offset: number, at: Date): void {
  appendFileSync(idxPath, `${offset} ${at.toISOString()}\n`);
}

/** The offset of the last index entry (0 when there is none). */
export function lastIndexedOffset(idxPath: string): number {
  const idx = loadIndex(idxPath);
  return idx.offsets[idx.offsets.length - 1] ?? 0;
}
