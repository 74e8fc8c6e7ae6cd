/**
 * Sampling from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG: the variables are checked, and a
 * trace that crosses processes is kept or dropped whole. Each "component" is a real Node process
 * that starts telemetry as `skiff` does; the second continues the first's traceparents, as the
 * scheduler and kubelet continue the pod annotation written by the apiserver.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { samplingFromEnv, SamplingConfigError } from '@skiff/telemetry';
import { SKIFF_BIN } from '../../../test/support/cluster.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Starts `count` root spans (no input) or continues each traceparent read on stdin; prints what each span decided. */
const COMPONENT = `
import { readFileSync } from 'node:fs';
import { contextFromTraceparent, startTracing, traceparentOf, tracer } from '@skiff/telemetry';
const handle = startTracing('sampling-test');
const parents = process.argv[1] === 'roots' ? Array.from({ length: 400 }, () => undefined) : JSON.parse(readFileSync(0, 'utf8'));
const spans = parents.map((parent) => {
  const span = tracer('test').startSpan(parent === undefined ? 'root' : 'child', {}, contextFromTraceparent(parent));
  const result = { traceparent: traceparentOf(span), recording: span.isRecording() };
  span.end();
  return result;
});
process.stdout.write(JSON.stringify({ sampling: handle.sampling, spans }));
await handle.shutdown();
`;

interface ComponentOutput {
  sampling: { sampler: string; ratio?: number };
  spans: Array<{ traceparent: string; recording: boolean }>;
}

async function component(env: Record<string, string>, parents?: string[]): Promise<ComponentOutput> {
  const child = run(process.execPath, ['--input-type=module', '-e', COMPONENT, parents === undefined ? 'roots' : 'children'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 30_000,
  });
  child.child.stdin?.end(parents === undefined ? '' : JSON.stringify(parents));
  const { stdout } = await child;
  return JSON.parse(stdout) as ComponentOutput;
}

const traceId = (traceparent: string): string => traceparent.split('-')[1] ?? '';
const sampledFlag = (traceparent: string): boolean => traceparent.endsWith('-01');

describe('samplingFromEnv', () => {
  it('reads the standard variables, with the SDK defaults', () => {
    expect(samplingFromEnv({})).toEqual({ sampler: 'parentbased_always_on' });
    expect(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' })).toEqual({
      sampler: 'parentbased_traceidratio',
      ratio: 0.1,
    });
    expect(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio' })).toEqual({ sampler: 'traceidratio', ratio: 1 });
    expect(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_SAMPLER_ARG: 'ignored' })).toEqual({ sampler: 'always_off' });
  });

  it('refuses an unknown sampler or a ratio outside [0, 1], saying what is accepted', () => {
    expect(() => samplingFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(SamplingConfigError);
    expect(() => samplingFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/use one of always_on, always_off, traceidratio/);
    expect(() => samplingFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' })).toThrow(
      'OTEL_TRACES_SAMPLER_ARG="10%" must be a ratio from 0 to 1 for traceidratio',
    );
    expect(() => samplingFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(
      SamplingConfigError,
    );
  });

  it('stops skiff at start-up with the message', async () => {
    const r = await run(process.execPath, [SKIFF_BIN, 'help'], { env: { ...process.env, OTEL_TRACES_SAMPLER: 'sometimes' } }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect('code' in r ? r.code : 0).toBe(2);
    expect(r.stderr).toContain('skiff: OTEL_TRACES_SAMPLER="sometimes" is not a sampler Skiff supports');
  });
});

describe('sampling across processes', () => {
  it('without an exporter, still hands out trace ids but records nothing', async () => {
    const quiet = await component({});
    expect(quiet.sampling).toEqual({ sampler: 'parentbased_always_off' });
    for (const s of quiet.spans) {
      expect(s.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(s.recording).toBe(false);
    }
  });

  it('keeps or drops a trace whole: the root decides, the traceparent flags carry it', async () => {
    const root = await component({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(root.sampling).toEqual({ sampler: 'parentbased_traceidratio', ratio: 0.25 });
    const kept = root.spans.filter((s) => s.recording).length;
    expect(kept).toBeGreaterThan(400 * 0.1);
    expect(kept).toBeLessThan(400 * 0.4);
    for (const s of root.spans) expect(sampledFlag(s.traceparent)).toBe(s.recording);

    // A component configured differently still follows each parent's decision.
    const parents = root.spans.map((s) => s.traceparent);
    const followers: Array<Record<string, string>> = [
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' },
      { OTEL_TRACES_SAMPLER: 'parentbased_always_off' },
      {},
    ];
    for (const env of followers) {
      const next = await component(env, parents);
      next.spans.forEach((s, i) => {
        expect(traceId(s.traceparent)).toBe(traceId(parents[i]!));
        expect(s.recording).toBe(root.spans[i]!.recording);
        expect(sampledFlag(s.traceparent)).toBe(root.spans[i]!.recording);
      });
    }
    // Without parentbased_, the same ratio everywhere agrees too: the decision is a function of the trace id.
    const ratioOnly = await component({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, parents);
    ratioOnly.spans.forEach((s, i) => expect(s.recording).toBe(root.spans[i]!.recording));
  });
});
