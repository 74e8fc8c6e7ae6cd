/**
 * The probe poller, native and TypeScript twin, on the same specs against real processes and sockets:
 * exec probes (exit codes, output, timeout with SIGKILL, placement in a real cgroup), httpGet against a
 * real HTTP server (2xx/3xx, 5xx, headers, refused, timeout) and tcpSocket (open, refused). Both must give
 * the same result and output. Everything started here is stopped in afterAll (poller, server, cgroups).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupManager, detectCgroupLayout } from '../src/cgroups/index.js';
import type { CgroupStats } from '../src/stats/index.js';
import { createProbePoller, type ProbePollerKind, type ProbeRunResult, type ProbeSpec } from '../src/probes/index.js';
import { runOnce, summary } from './support/run-probes.js';

const KINDS: readonly ProbePollerKind[] = ['ts', 'native'];
const ENV = { PATH: '/usr/bin:/bin' };
const TIMING = { initialDelayMs: 0, periodMs: 60_000, timeoutMs: 1000 };

let server: http.Server;
let port = 0;
let closedPort = 0;
const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: `skiff-test-probes-${randomBytes(3).toString('hex')}` });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000);
    if (req.url === '/late') return void setTimeout(() => res.end('answered after several ticks'), 150);
    const code =
      req.url === '/redirect'
        ? 302
        : req.url === '/header'
          ? req.headers['x-probe'] === 'yes'
            ? 200
            : 418
          : req.url === '/ok'
            ? 200
            : 503;
    res.writeHead(code, { 'Content-Type': 'text/plain' }).end(`ua=${req.headers['user-agent'] ?? ''}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  const spare = net.createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  closedPort = (spare.address() as net.AddressInfo).port;
  await new Promise((r) => spare.close(r));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await cgroups.removeRoot({ kill: true });
});

describe('probe poller: native and TypeScript twin agree', () => {
  it('exec probes: exit status, output, missing executable, timeout', async () => {
    const specs: Record<string, ProbeSpec> = {
      ok: { ...TIMING, kind: 'exec', argv: ['true'], env: ENV, cgroupProcs: [] },
      fails: { ...TIMING, kind: 'exec', argv: ['sh', '-c', 'echo not ready >&2; exit 3'], env: ENV, cgroupProcs: [] },
      noShell: { ...TIMING, kind: 'exec', argv: ['echo', '$HOME', '&&', 'false'], env: ENV, cgroupProcs: [] },
      missing: { ...TIMING, kind: 'exec', argv: ['no-such-probe-binary'], env: ENV, cgroupProcs: [] },
      slow: { ...TIMING, timeoutMs: 300, kind: 'exec', argv: ['sleep', '30'], env: ENV, cgroupProcs: [] },
    };
    const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
    expect(summary(native!)).toEqual(summary(ts!));
    expect(summary(native!)).toEqual({
      fails: { result: 'failure', output: 'not ready\n' },
      missing: { result: 'failure', output: 'exec: "no-such-probe-binary": executable file not found in $PATH' },
      noShell: { result: 'success', output: '$HOME && false\n' },
      ok: { result: 'success', output: '' },
      slow: { result: 'failure', output: 'command "sleep 30" timed out' },
    });
    expect(native!.get('slow')!.durationMs).toBeLessThan(2000);
  });

  it('exec probes run inside the container cgroup', async () => {
    const cg = cgroups.createContainerCgroup('probe-pod', 'c');
    const spec: ProbeSpec = { ...TIMING, kind: 'exec', argv: ['cat', '/proc/self/cgroup'], env: ENV, cgroupProcs: cg.procsFiles };
    for (const kind of KINDS) {
      const r = (await runOnce(kind, { where: spec })).get('where');
      expect(r?.result, kind).toBe('success');
    }
    const check: ProbeSpec = { ...spec, argv: ['grep', '-q', 'probe-pod/c', '/proc/self/cgroup'] };
    for (const kind of KINDS) expect((await runOnce(kind, { check })).get('check')?.result, kind).toBe('success');
    expect(cgroups.pids(cg)).toEqual([]);
  });

  it('httpGet and tcpSocket probes', async () => {
    const http = (path: string, extra: Partial<Extract<ProbeSpec, { kind: 'http' }>> = {}): ProbeSpec => ({
      ...TIMING,
      kind: 'http',
      host: '127.0.0.1',
      port,
      path,
      headers: [],
      ...extra,
    });
    const specs: Record<string, ProbeSpec> = {
      ok: http('/ok'),
      redirect: http('/redirect'),
      unavailable: http('/down'),
      header: http('/header', { headers: [{ name: 'X-Probe', value: 'yes' }] }),
      refused: http('/ok', { port: closedPort }),
      slow: http('/slow', { timeoutMs: 300 }),
      tcpOpen: { ...TIMING, kind: 'tcp', host: '127.0.0.1', port },
      tcpRefused: { ...TIMING, kind: 'tcp', host: '127.0.0.1', port: closedPort },
    };
    const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
    expect(summary(native!)).toEqual(summary(ts!));
    expect(summary(native!)).toEqual({
      header: { result: 'success', output: '' },
      ok: { result: 'success', output: '' },
      redirect: { result: 'success', output: '' },
      refused: {
        result: 'failure',
        output: `Get "http://127.0.0.1:${closedPort}/ok": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
      },
      slow: { result: 'failure', output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded` },
      tcpOpen: { result: 'success', output: '' },
      tcpRefused: { result: 'failure', output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused` },
      unavailable: { result: 'failure', output: 'HTTP probe failed with statuscode: 503' },
    });
  });

  it('native: the same results whatever its wake-up grid (tickMs 0, the default, 50), late answers too', async () => {
    const specs: Record<string, ProbeSpec> = {
      ok: { ...TIMING, kind: 'http', host: '127.0.0.1', port, path: '/ok', headers: [] },
      slow: { ...TIMING, timeoutMs: 300, kind: 'http', host: '127.0.0.1', port, path: '/slow', headers: [] },
      // Answers several ticks after the request: found when the thread wakes on the grid.
      late: { ...TIMING, kind: 'http', host: '127.0.0.1', port, path: '/late', headers: [] },
      tcpOpen: { ...TIMING, kind: 'tcp', host: '127.0.0.1', port },
      tcpRefused: { ...TIMING, kind: 'tcp', host: '127.0.0.1', port: closedPort },
      exec: { ...TIMING, kind: 'exec', argv: ['true'], env: ENV, cgroupProcs: [] },
    };
    const [everyEvent, byDefault, coarse] = await Promise.all(
      [{ tickMs: 0 }, {}, { tickMs: 50 }].map((options) => runOnce('native', specs, options)),
    );
    expect(summary(byDefault!)).toEqual(summary(everyEvent!));
    expect(summary(coarse!)).toEqual(summary(everyEvent!));
    expect(coarse!.get('slow')!.result).toBe('failure');
    expect(summary(byDefault!).late).toEqual({ result: 'success', output: '' });
    // The timeout fires at the first tick at or after it is due: no sooner, and at most a tick (plus load) later.
    expect(coarse!.get('slow')!.durationMs).toBeGreaterThanOrEqual(299);
    expect(coarse!.get('slow')!.durationMs).toBeLessThan(2000);
    expect(() => createProbePoller('native', { onResults: () => undefined, tickMs: -1 })).toThrow(TypeError);
  });

  it('httpGet against raw answers: a status line split across reads, a 500, no HTTP at all', async () => {
    const raw = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (request) => {
        const path = /^GET (\S+)/.exec(request.toString())?.[1];
        if (path === '/split') {
          socket.write('HTT');
          setTimeout(() => socket.end('P/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'), 50);
        } else if (path === '/error') {
          socket.end('HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n');
        } else {
          socket.end('garbage\r\n\r\n');
        }
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const rawPort = (raw.address() as net.AddressInfo).port;
    try {
      const http = (path: string): ProbeSpec => ({ ...TIMING, kind: 'http', host: '127.0.0.1', port: rawPort, path, headers: [] });
      const specs = { split: http('/split'), error: http('/error'), garbage: http('/garbage') };
      const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
      expect(summary(native!).split).toEqual({ result: 'success', output: '' });
      expect(summary(native!).error).toEqual({ result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
      expect(summary(native!).split).toEqual(summary(ts!).split);
      expect(summary(native!).error).toEqual(summary(ts!).error);
      expect(native!.get('garbage')!.result).toBe('failure');
      expect(ts!.get('garbage')!.result).toBe('failure');
    } finally {
      await new Promise((r) => raw.close(r));
    }
  });

  it.each(KINDS)('%s: periodic runs, replace, remove, bad specs, stats rounds', async (kind) => {
    const seen: ProbeRunResult[] = [];
    const stats: string[] = [];
    const rows: CgroupStats[] = [];
    const poller = createProbePoller(kind, {
      statsIntervalMs: 100,
      onResults: (b) => {
        seen.push(...b.probes);
        stats.push(...b.stats.map((s) => s.id));
        rows.push(...b.stats.map((s) => s.stats));
      },
    });
    try {
      const cg = cgroups.createContainerCgroup('probe-pod-stats', kind);
      expect(poller.watchCgroup('cg', cg.statsPaths)).toBe(true);
      expect(poller.watchCgroup('gone', { version: 2, dir: '/nonexistent' })).toBe(false);
      poller.set('p', { ...TIMING, periodMs: 100, kind: 'tcp', host: '127.0.0.1', port });
      await new Promise((r) => setTimeout(r, 550));
      const runs = seen.filter((r) => r.id === 'p').length;
      expect(runs).toBeGreaterThanOrEqual(3);
      expect(runs).toBeLessThanOrEqual(7);
      expect(stats.filter((id) => id === 'cg').length).toBeGreaterThanOrEqual(3);
      for (const row of rows) {
        expect(Object.keys(row).sort()).toEqual(['cpuUsageNanos', 'memoryUsageBytes', 'memoryWorkingSetBytes', 'oomKills']);
        expect(row.memoryWorkingSetBytes).toBeLessThanOrEqual(row.memoryUsageBytes);
        expect(row.oomKills).toBe(0);
      }
      expect(seen.every((r) => r.id === 'p' && r.result === 'success' && r.output === '' && r.durationMs >= 0)).toBe(true);
      poller.set('p', { ...TIMING, initialDelayMs: 10_000, kind: 'tcp', host: '127.0.0.1', port });
      const before = seen.length;
      await new Promise((r) => setTimeout(r, 250));
      expect(seen.length - before).toBeLessThanOrEqual(1);
      poller.remove('p');
      expect(poller.size).toBe(0);
      expect(() => poller.set('x', { ...TIMING, kind: 'tcp', host: 'localhost', port })).toThrow(TypeError);
      expect(() => poller.set('x', { ...TIMING, periodMs: 0, kind: 'tcp', host: '127.0.0.1', port })).toThrow(TypeError);
      expect(() => poller.set('x', { ...TIMING, kind: 'exec', argv: [], env: ENV, cgroupProcs: [] })).toThrow(TypeError);
      poller.unwatchCgroup('cg');
    } finally {
      await poller.close();
    }
    expect(() => poller.set('y', { ...TIMING, kind: 'tcp', host: '127.0.0.1', port })).toThrow(/closed/);
  });

  it.each(KINDS)('%s: a probe removed with its timer pending stays silent; a new id set at once keeps its own schedule', async (kind) => {
    const seen: { id: string; at: number }[] = [];
    const poller = createProbePoller(kind, { onResults: (b) => seen.push(...b.probes.map((r) => ({ id: r.id, at: Date.now() }))) });
    const count = (id: string): number => seen.filter((r) => r.id === id).length;
    const until = async (done: () => boolean): Promise<void> => {
      for (const deadline = Date.now() + 10_000; !done() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      // 'a' runs every 100 ms, so a timer of its is always pending; 'b' is set in the same turn as the
      // remove (the native loop applies both together, 'b' taking the slot 'a' freed).
      poller.set('a', { ...TIMING, periodMs: 100, kind: 'tcp', host: '127.0.0.1', port });
      await until(() => count('a') >= 2);
      const setAt = Date.now();
      poller.remove('a');
      poller.set('b', { ...TIMING, initialDelayMs: 600, periodMs: 300, kind: 'tcp', host: '127.0.0.1', port });
      expect(poller.size).toBe(1);
      await until(() => count('b') >= 2);
      const runsOfA = count('a');
      await new Promise((r) => setTimeout(r, 300));
      expect(count('a')).toBe(runsOfA);
      const b = seen.filter((r) => r.id === 'b');
      expect(b.length).toBeGreaterThanOrEqual(2);
      // Load only delays runs: neither of b's first two may come before its initial delay and period allow.
      expect(b[0]!.at - setAt).toBeGreaterThanOrEqual(550);
      expect(b[1]!.at - setAt).toBeGreaterThanOrEqual(850);
    } finally {
      await poller.close();
    }
  });
});
