/**
 * One run of each probe kind with Node's child_process, net, http and https: the TypeScript twin's I/O. Each
 * resolves (never rejects) with the contract's result and message (see contract.ts); timeouts included.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { request as httpsRequest } from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { MAX_PROBE_OUTPUT_BYTES, PROBE_USER_AGENT, type ProbeSpec } from './contract.js';
import { goErrnoText, hostPort } from './go-errors.js';
import { isExecutableFile } from '../runtime/executable.js';

export interface RunOutcome {
  result: 'success' | 'failure';
  output: string;
}

type Spec<K extends ProbeSpec['kind']> = Extract<ProbeSpec, { kind: K }>;

/** A run in flight: its outcome, and how to end it early without one (remove, close). */
export interface ActiveRun {
  done: Promise<RunOutcome>;
  abort(): void;
}

const fail = (output: string): RunOutcome => ({ result: 'failure', output });
const OK: RunOutcome = { result: 'success', output: '' };

/**
 * Places the shell in every cgroup.procs file (writing 0 moves the writer), then execs argv: Node has no
 * pre-exec hook, so this tiny wrapper is the twin's way to start the probe inside the container's cgroup.
 */
const PLACE_AND_EXEC = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo 0 > "$1" || exit 121; shift; n=$((n - 1)); done; exec "$@"';

/** argv[0] looked up as execvp does, in the probe's own PATH. */
export function resolveExecutable(arg0: string, path: string): string | undefined {
  if (arg0.includes('/')) return isExecutableFile(arg0) ? arg0 : undefined;
  for (const dir of path.split(':')) {
    const candidate = join(dir === '' ? '.' : dir, arg0);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function runExec(spec: Spec<'exec'>): ActiveRun {
  const arg0 = spec.argv[0] ?? '';
  const executable = resolveExecutable(arg0, spec.env['PATH'] ?? '');
  if (executable === undefined) {
    return { done: Promise.resolve(fail(`exec: "${arg0}": executable file not found in $PATH`)), abort: () => undefined };
  }
  const argv = [executable, ...spec.argv.slice(1)];
  return withDeadline(spec.timeoutMs, `command "${spec.argv.join(' ')}" timed out`, (finish) => {
    const child =
      spec.cgroupProcs.length === 0
        ? spawn(executable, argv.slice(1), { argv0: arg0, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('/bin/sh', ['-c', PLACE_AND_EXEC, 'skiff-probe', String(spec.cgroupProcs.length), ...spec.cgroupProcs, ...argv], {
            env: spec.env,
            detached: true,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer): void => {
      if (size >= MAX_PROBE_OUTPUT_BYTES) return;
      const part = chunk.subarray(0, MAX_PROBE_OUTPUT_BYTES - size);
      chunks.push(part);
      size += part.length;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', (err) => finish(fail(`exec: ${goErrnoText(err)}`)));
    child.once('close', (code) => {
      const output = Buffer.concat(chunks).toString();
      finish(code === 0 ? { result: 'success', output } : fail(output));
    });
    return () => {
      if (!exited) killGroup(child.pid);
    };
  });
}

/**
 * Runs `start` with a deadline: past timeoutMs the run ends with `timeoutOutput` (or what it returns then) and
 * `stop` is called.
 */
export function withDeadline(
  timeoutMs: number,
  timeoutOutput: string | (() => string),
  start: (finish: (o: RunOutcome) => void) => () => void,
): ActiveRun {
  let stop: () => void = () => undefined;
  let settle: (o: RunOutcome) => void = () => undefined;
  const done = new Promise<RunOutcome>((resolve) => {
    let settled = false;
    settle = (o) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      resolve(o);
    };
    const timer = setTimeout(() => settle(fail(typeof timeoutOutput === 'string' ? timeoutOutput : timeoutOutput())), timeoutMs);
    stop = start(settle);
  });
  return { done, abort: () => settle(fail('aborted')) };
}

export function runTcp(spec: Spec<'tcp'>): ActiveRun {
  const where = hostPort(spec.host, spec.port);
  return withDeadline(spec.timeoutMs, `dial tcp ${where}: i/o timeout`, (finish) => {
    const socket = net.connect({ host: spec.host, port: spec.port });
    socket.once('connect', () => finish(OK));
    socket.once('error', (err) => finish(fail(`dial tcp ${where}: connect: ${goErrnoText(err)}`)));
    return () => socket.destroy();
  });
}

export function runHttp(spec: Spec<'http'>): ActiveRun {
  const where = hostPort(spec.host, spec.port);
  const https = spec.scheme === 'HTTPS';
  const url = `${https ? 'https' : 'http'}://${where}${spec.path}`;
  return withDeadline(spec.timeoutMs, `Get "${url}": context deadline exceeded`, (finish) => {
    const headers: Record<string, string> = { Host: where, 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
    for (const h of spec.headers) {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === h.name.toLowerCase()) delete headers[k];
      headers[h.name] = h.value;
    }
    headers['Connection'] = 'close';
    let connected = false;
    let secured = false;
    const options = { host: spec.host, port: spec.port, path: spec.path, method: 'GET', headers, agent: false };
    const req = https ? httpsRequest({ ...options, rejectUnauthorized: false, minVersion: 'TLSv1.2' }) : http.request(options);
    req.once('socket', (s) => {
      s.once('connect', () => (connected = true));
      s.once('secureConnect', () => (secured = true));
    });
    req.once('response', (res) => {
      const code = res.statusCode ?? 0;
      finish(code >= 200 && code < 400 ? OK : fail(`HTTP probe failed with statuscode: ${code}`));
    });
    req.once('error', (err) => {
      if (!connected) return finish(fail(`Get "${url}": dial tcp ${where}: connect: ${goErrnoText(err)}`));
      finish(fail(`Get "${url}": ${https && !secured ? tlsFailureText(err) : 'EOF'}`));
    });
    req.end();
    return () => req.destroy();
  });
}

/** A TLS handshake failure in the words of the native poller (probe_tls.cc: the same OpenSSL, so the same reasons). */
function tlsFailureText(err: unknown): string {
  // Node gives OpenSSL's reason as err.reason, or only inside the message (`…:error:0A00010B:SSL routines:
  // ssl3_get_record:wrong version number:…`).
  const fromMessage = err instanceof Error ? /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(err.message)?.[1] : undefined;
  const reason = typeof err === 'object' && err !== null && 'reason' in err ? String(err.reason) : fromMessage;
  if (reason === undefined) return 'EOF';
  return reason === 'wrong version number' ? 'http: server gave HTTP response to HTTPS client' : `tls: ${reason}`;
}
