/**
 * Runs a `nats-server` child with JetStream in a data directory, for `skiff up`
 * and for tests. The server must already be installed (scripts/setup.sh
 * installs Debian's package when it is missing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { findExecutable } from './executables.js';

/** A running nats-server. */
export interface NatsServerHandle {
  /** `nats://host:port`, or `tls://host:port` when the configuration requires TLS. */
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number | undefined;
  /** `http://<host>:<monitorPort>` when monitoring is on (`/varz`, `/connz`, `/jsz`). */
  readonly monitorUrl: string | undefined;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  /** Where JetStream keeps its files (`<dir>/jetstream`). */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Monitoring port (`-m`, nats-server's HTTP JSON endpoints), omitted when undefined; 0 picks a free port. */
  monitorPort?: number;
  /** Receives the server's own log lines. */
  onLog?: (line: string) => void;
  /**
   * A configuration file (`-c`), e.g. the one `nats-config.ts` writes, that
   * enables JetStream with its store in `<dataDir>/jetstream`; host and port given here override it. None: no TLS, no
   * authentication (unit tests and benchmarks).
   */
  configFile?: string;
  /** The configuration requires TLS (the URL is then `tls://`). */
  tls?: boolean;
}

/** Thrown when the nats-server binary cannot be found. */
export class NatsServerMissingError extends Error {
  constructor() {
    super(
      "nats-server is not installed: run `bash scripts/setup.sh` (it installs Debian's nats-server package) or put nats-server on PATH",
    );
    this.name = 'NatsServerMissingError';
  }
}

/** Resolves true when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A free TCP port on the loopback interface. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts nats-server and resolves once it accepts connections. */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerHandle> {
  // SKIFF_NATS_SERVER names a specific binary; otherwise nats-server is looked up on PATH.
  const override = process.env['SKIFF_NATS_SERVER'];
  const binary = override !== undefined && override !== '' ? (existsSync(override) ? override : undefined) : findExecutable('nats-server');
  if (binary === undefined) throw new NatsServerMissingError();
  const host = options.host ?? '127.0.0.1';
  const port = options.port === undefined || options.port === 0 ? await freePort(host) : options.port;
  if (await isPortOpen(host, port)) throw new Error(`port ${port} on ${host} is already in use (NATS): pick another with --nats-port`);
  const storeDir = join(options.dataDir, 'jetstream');
  mkdirSync(storeDir, { recursive: true });
  // A configuration file names its own store directory (nats-server refuses it twice).
  const jetStreamArgs = options.configFile === undefined ? ['-js', '-sd', storeDir] : ['-c', options.configFile];
  const args = [...jetStreamArgs, '-a', host, '-p', String(port)];
  const monitorPort = options.monitorPort === 0 ? await freePort(host) : options.monitorPort;
  if (monitorPort !== undefined) args.push('-m', String(monitorPort));
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lastLines: string[] = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      options.onLog?.(line);
      lastLines.push(line);
      if (lastLines.length > 5) lastLines.shift();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  let early: string | undefined;
  child.once('exit', (code) => {
    early = `nats-server exited with code ${String(code)} before accepting connections: ${lastLines.join(' | ')}`;
  });
  while (!(await isPortOpen(host, port))) {
    if (early !== undefined) throw new Error(early);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not accept connections on ${host}:${port} within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `${options.tls === true ? 'tls' : 'nats'}://${host}:${port}`,
    port,
    monitorPort,
    monitorUrl: monitorPort === undefined ? undefined : `http://${host}:${monitorPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
