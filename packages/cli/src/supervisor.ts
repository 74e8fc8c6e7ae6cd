/**
 * Runs cluster components as child processes of `skiff up`: each in its own
 * process (a crash of one does not take the others), logging to its own file,
 * restarted with backoff when it dies, and stopped in order on shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface ComponentSpec {
  name: string;
  /** Arguments after `node <skiff bin>`. */
  args: string[];
}

export interface SupervisorOptions {
  /** The skiff executable script (node runs it). */
  bin: string;
  logDir: string;
  onEvent(message: string): void;
}

interface Running {
  spec: ComponentSpec;
  child: ChildProcess;
  log: WriteStream;
  exited: Promise<void>;
  restarts: number;
  startedAt: number;
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Starts a component; it is restarted (1 s doubling to 30 s) whenever it dies until stop(). */
  start(spec: ComponentSpec, restarts = 0): void {
    const log = createWriteStream(join(this.options.logDir, `${spec.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [this.options.bin, ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const entry: Running = {
      spec,
      child,
      log,
      restarts,
      startedAt: Date.now(),
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    this.running.set(spec.name, entry);
    child.once('exit', (code, signal) => {
      log.end();
      if (this.stopping) return;
      const ranLong = Date.now() - entry.startedAt > 60_000;
      const next = ranLong ? 0 : restarts + 1;
      const delay = Math.min(1000 * 2 ** Math.max(0, next - 1), 30_000);
      this.options.onEvent(
        `${spec.name} exited (${signal ?? `code ${String(code)}`}); restarting in ${delay / 1000} s (log: ${join(this.options.logDir, `${spec.name}.log`)})`,
      );
      setTimeout(() => {
        if (!this.stopping) this.start(spec, next);
      }, delay).unref();
    });
  }

  /** The child process of a component, if running. */
  process(name: string): ChildProcess | undefined {
    return this.running.get(name)?.child;
  }

  /** Stops components in the given order: SIGTERM, then SIGKILL after timeoutMs each. */
  async stop(order: string[], timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    const names = [...order, ...[...this.running.keys()].filter((n) => !order.includes(n))];
    for (const name of names) {
      const r = this.running.get(name);
      if (r === undefined) continue;
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill('SIGTERM');
        const timer = setTimeout(() => {
          this.options.onEvent(`${name} did not stop within ${timeoutMs / 1000} s; killing it`);
          r.child.kill('SIGKILL');
        }, timeoutMs);
        await r.exited;
        clearTimeout(timer);
      }
      this.running.delete(name);
    }
  }
}
