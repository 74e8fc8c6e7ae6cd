/**
 * The runtime's state directory. One directory per container attempt:
 *
 * ```
 * <rootDir>/pods/<podUid>/<containerName>/<attempt>/
 *   config.json    written before the start: { id, attempt, createdAt, config }                  (runtime)
 *   pid            "<container pid> <shim pid>\n", written by the shim's child just before exec    (shim)
 *   state.json     { shimPid, shimStartTicks, pid, pidStartTicks, startedAt } once started        (runtime)
 *   exit           "<status>\n" when the container process ended (128+n: signal n)                (shim)
 *   finished.json  { finishedAt, exitCode, signal?, reason } when a runtime first saw the exit      (runtime)
 *   log            the container's stdout and stderr, raw bytes, appended in the order written    (shim)
 *   log.idx        "<byte offset> <RFC 3339 time>\n" lines: every byte before the offset had been
 *                  written by that time (appended by a running runtime every poll interval)      (runtime)
 * ```
 *
 * `attempt` counts from 0 per container name; the container id is `<podUid>_<containerName>_<attempt>`
 * (`_` occurs in neither part). JSON files are replaced atomically (write to `.tmp`, rename).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig, ContainerExitReason } from './types.js';

export interface ConfigRecord {
  id: string;
  attempt: number;
  createdAt: string;
  config: ContainerConfig;
}

export interface StartRecord {
  shimPid: number;
  shimStartTicks: number;
  pid: number;
  pidStartTicks: number;
  startedAt: string;
}

export interface FinishRecord {
  finishedAt: string;
  exitCode: number;
  signal?: string;
  reason: ContainerExitReason;
}

export const CONFIG_FILE = 'config.json';
export const STATE_FILE = 'state.json';
export const PID_FILE = 'pid';
export const EXIT_FILE = 'exit';
export const FINISHED_FILE = 'finished.json';
export const LOG_FILE = 'log';
export const LOG_INDEX_FILE = 'log.idx';

export function podsDir(rootDir: string): string {
  return join(rootDir, 'pods');
}

export function podDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid);
}

export function containerNameDir(rootDir: string, podUid: string, containerName: string): string {
  return join(rootDir, 'pods', podUid, containerName);
}

export function attemptDir(rootDir: string, podUid: string, containerName: string, attempt: number): string {
  return join(rootDir, 'pods', podUid, containerName, String(attempt));
}

export function containerId(podUid: string, containerName: string, attempt: number): string {
  return `${podUid}_${containerName}_${attempt}`;
}

/** Attempt numbers present for a container name, ascending. */
export function listAttempts(rootDir: string, podUid: string, containerName: string): number[] {
  let names: string[];
  try {
    names = readdirSync(containerNameDir(rootDir, podUid, containerName));
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Subdirectory names of `dir`; none when it does not exist. */
export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, file);
}

/** The parsed JSON file, or undefined when it is missing or unparsable. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
