/**
 * The prober manager on both pollers with real exec probes (flag files toggled by the test): thresholds,
 * readiness both ways, startup gating of liveness, liveness failure asking for exactly one restart with
 * upstream's messages, metrics. No container runtime needed: probes run as plain processes.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { PassThrough } from 'node:stream';
import { createLogger } from '@skiff/telemetry';
import { ProberManager, proberMetrics, type ProbePollerKind, type ProbeType } from '../src/probes/index.js';
import { ProbeState } from '../src/probes/probe-state.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-prober-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target = { podIP: '127.0.0.1', env: { PATH: '/usr/bin:/bin' }, cgroupProcs: [], ports: {} };
const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'uid-1' }, spec: { containers: [] } };
const flagProbe = (flag: string, extra: Record<string, number> = {}): NonNullable<Container['readinessProbe']> => ({
  exec: { command: ['test', '-f', flag] },
  periodSeconds: 1,
  ...extra,
});

function manager(kind: ProbePollerKind) {
  const log = { changes: 0, unhealthy: [] as string[], restarts: [] as Array<{ type: ProbeType; id: string }> };
  const metrics = proberMetrics();
  const m = new ProberManager({
    poller: kind,
    metrics,
    logger: createLogger('test', new PassThrough().resume()),
    events: {
      onChange: () => log.changes++,
      onUnhealthy: (_p, _c, type, output) => log.unhealthy.push(`${type} probe failed: ${output}`),
      onRestartNeeded: (_p, _c, id, type) => log.restarts.push({ type, id }),
    },
  });
  return { m, log, metrics };
}

async function until(what: string, fn: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ProbeState', () => {
  it('flips only after the thresholds, from upstream initial values', () => {
    const r = new ProbeState('Readiness', 2, 3);
    expect(r.verdict).toBe('failure');
    expect(r.record(true)).toBe(false);
    expect(r.record(true)).toBe(true);
    expect(r.verdict).toBe('success');
    r.record(false);
    r.record(false);
    expect(r.verdict).toBe('success');
    expect(r.record(false)).toBe(true);
    expect(new ProbeState('Liveness', 1, 3).verdict).toBe('success');
    expect(new ProbeState('Startup', 1, 3).verdict).toBe('unknown');
  });
});

describe.each<ProbePollerKind>(['native', 'ts'])('ProberManager (%s poller)', (kind) => {
  it('readiness both ways, with successThreshold', async () => {
    const flag = join(dir, `ready-${kind}`);
    const { m, log, metrics } = manager(kind);
    const c: Container = { name: 'c', readinessProbe: flagProbe(flag, { successThreshold: 2, failureThreshold: 1 }) };
    try {
      m.ensure(pod, c, 'id-1', new Date(), target);
      expect(m.isReady('uid-1', c, 'id-1')).toBe(false);
      writeFileSync(flag, '');
      await until('ready', () => m.isReady('uid-1', c, 'id-1'));
      expect(log.changes).toBe(1);
      rmSync(flag);
      await until('not ready', () => !m.isReady('uid-1', c, 'id-1'));
      expect(log.unhealthy[0]).toBe('Readiness probe failed: ');
      const text = await metrics.registry.metrics();
      expect(text).toContain('prober_probe_total{probe_type="Readiness",container="c",pod="p",namespace="default",result="successful"} 2');
    } finally {
      await m.close();
    }
  });

  it('a startup probe holds liveness back; a liveness failure asks for one restart', async () => {
    const flag = join(dir, `started-${kind}`);
    const { m, log } = manager(kind);
    const c: Container = {
      name: 'c',
      startupProbe: flagProbe(flag, { failureThreshold: 30 }),
      livenessProbe: { exec: { command: ['sh', '-c', 'echo dead; exit 1'] }, periodSeconds: 1, failureThreshold: 1 },
    };
    try {
      m.ensure(pod, c, 'id-2', new Date(), target);
      await new Promise((r) => setTimeout(r, 1500));
      expect(m.isStarted('uid-1', c, 'id-2')).toBe(false);
      expect(m.isReady('uid-1', c, 'id-2')).toBe(false);
      expect(log.restarts).toEqual([]);
      expect(log.unhealthy.every((u) => u.startsWith('Startup probe failed'))).toBe(true);
      writeFileSync(flag, '');
      await until('a restart', () => log.restarts.length > 0);
      expect(m.isStarted('uid-1', c, 'id-2')).toBe(true);
      expect(log.restarts).toEqual([{ type: 'Liveness', id: 'id-2' }]);
      expect(log.unhealthy).toContain('Liveness probe failed: dead\n');
      await new Promise((r) => setTimeout(r, 1200));
      expect(log.restarts.length).toBe(1);
      m.forgetPod('uid-1');
    } finally {
      await m.close();
    }
    expect(existsSync(flag)).toBe(true);
  });
});
