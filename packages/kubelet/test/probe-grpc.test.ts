/**
 * grpc probes, native (probe_grpc.cc: its own HTTP/2 framing and HPACK decoder) and TypeScript twin (node:http2),
 * against real servers (support/grpc-health-server.ts): both must give upstream's result and message for every
 * answer a health check can get. Every server is stopped in afterAll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbePollerKind, ProbeSpec } from '../src/probes/index.js';
import { goDuration } from '../src/probes/grpc-health.js';
import { recordingProxy, scanHpack } from './support/hpack-scan.js';
import { startGrpcJsServers } from './support/grpc-js-health.js';
import { startGrpcTestServers, type GrpcTestServers } from './support/grpc-health-server.js';
import { runOnce, summary } from './support/run-probes.js';

const KINDS: readonly ProbePollerKind[] = ['ts', 'native'];
const TIMING = { initialDelayMs: 0, periodMs: 60_000, timeoutMs: 1000 };

let servers: GrpcTestServers;

beforeAll(async () => {
  servers = await startGrpcTestServers();
});

afterAll(async () => {
  await servers.close();
});

const grpc = (port: number, service = ''): ProbeSpec => ({ ...TIMING, kind: 'grpc', host: '127.0.0.1', port, service });
const ok = { result: 'success', output: 'service healthy' };
const failure = (output: string): { result: string; output: string } => ({ result: 'failure', output });
const dialFailure = (port: number): { result: string; output: string } =>
  failure(`timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded`);

describe('grpc probes: native and TypeScript twin agree', () => {
  it('answers of a gRPC health server: SERVING, NOT_SERVING, unknown service, no health service, error, no answer, CONTINUATION, PING', async () => {
    const specs: Record<string, ProbeSpec> = {
      whole: grpc(servers.health),
      ready: grpc(servers.health, 'ready'),
      sick: grpc(servers.health, 'sick'),
      unknown: grpc(servers.health, 'payments'),
      noHealth: grpc(servers.health, 'no-health'),
      odd: grpc(servers.health, 'odd'),
      hang: grpc(servers.health, 'hang'),
      big: grpc(servers.health, 'big'),
      ping: grpc(servers.health, 'ping'),
    };
    const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
    expect(summary(native!)).toEqual(summary(ts!));
    expect(summary(native!)).toEqual({
      whole: ok,
      ready: ok,
      sick: failure('service unhealthy (responded with "NOT_SERVING")'),
      unknown: failure('error: health rpc probe failed: rpc error: code = NotFound desc = unknown service'),
      noHealth: failure(
        'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health',
      ),
      odd: failure('error: health rpc probe failed: rpc error: code = Internal desc = café at 100%'),
      hang: failure('timeout: health rpc did not complete within 1s'),
      big: ok,
      ping: ok,
    });
  });

  it('no gRPC server: refused, never answering, HTTP/2 but not gRPC, HTTP/1', async () => {
    const specs: Record<string, ProbeSpec> = {
      refused: grpc(servers.closed),
      silent: grpc(servers.silent),
      notGrpc: grpc(servers.notGrpc),
      http1: grpc(servers.http1),
    };
    const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
    expect(summary(native!)).toEqual(summary(ts!));
    expect(summary(native!)).toEqual({
      refused: dialFailure(servers.closed),
      silent: dialFailure(servers.silent),
      notGrpc: failure(
        'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unexpected HTTP status code ' +
          'received from server: 404 (Not Found); transport: received unexpected content-type "text/plain"',
      ),
      http1: dialFailure(servers.http1),
    });
  });

  it('a real gRPC server (@grpc/grpc-js): health service and a server without it', async () => {
    const real = await startGrpcJsServers();
    try {
      const specs: Record<string, ProbeSpec> = {
        whole: grpc(real.health),
        sick: grpc(real.health, 'sick'),
        unknown: grpc(real.health, 'payments'),
        empty: grpc(real.empty),
      };
      const [ts, native] = await Promise.all(KINDS.map((k) => runOnce(k, specs)));
      expect(summary(native!)).toEqual(summary(ts!));
      expect(summary(native!)).toEqual({
        whole: ok,
        sick: failure('service unhealthy (responded with "NOT_SERVING")'),
        unknown: failure('error: health rpc probe failed: rpc error: code = NotFound desc = unknown service'),
        empty: failure(
          'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ' +
            'The server does not implement the method /grpc.health.v1.Health/Check',
        ),
      });
    } finally {
      await real.close();
    }
  });

  it('the native HPACK decoder meets Huffman strings, dynamic table references, a table size update, CONTINUATION', async () => {
    const proxy = await recordingProxy(servers.health);
    try {
      const r = await runOnce('native', { ready: grpc(proxy.port, 'ready'), big: grpc(proxy.port, 'big') });
      expect(summary(r)).toEqual({ big: ok, ready: ok });
      const use = scanHpack(Buffer.concat(proxy.fromServer.flat()));
      expect(use.continuationFrames).toBeGreaterThan(0);
      expect(use.huffmanStrings).toBeGreaterThan(0);
      expect(use.dynamicIndexes).toBeGreaterThan(0);
      expect(use.sizeUpdates).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('rejects a grpc spec without a service string in both pollers', async () => {
    const bad = { ...TIMING, kind: 'grpc', host: '127.0.0.1', port: servers.health } as unknown as ProbeSpec;
    for (const kind of KINDS) await expect(runOnce(kind, { bad })).rejects.toThrow(TypeError);
  });

  it("formats timeouts as Go's time.Duration does", () => {
    expect([300, 1000, 1500, 60_000, 90_000, 3_600_000, 3_723_250].map(goDuration)).toEqual([
      '300ms',
      '1s',
      '1.5s',
      '1m0s',
      '1m30s',
      '1h0m0s',
      '1h2m3.25s',
    ]);
  });
});
