/**
 * startServerSpan for root requests: nothing is started when the sampler
 * drops roots, yet each request still gets a trace id of its own. Each case
 * runs in a real Node process that starts telemetry as `skiff` does. (The
 * cases with a parent are in child-span.test.ts.)
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Starts telemetry, then 50 root server spans; prints each one's traceparent and whether it records. */
const COMPONENT = `
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { rootSpansUnsampled, startServerSpan, startTracing, traceparentOf, tracer } from '@skiff/telemetry';
const handle = startTracing('server-span-test');
const spans = Array.from({ length: 50 }, () => {
  const span = startServerSpan(tracer('test'), 'GET pods', { attributes: { 'k8s.verb': 'GET' } }, ROOT_CONTEXT);
  const out = { traceparent: traceparentOf(span), recording: span.isRecording() };
  span.end();
  return out;
});
process.stdout.write(JSON.stringify({ unsampled: rootSpansUnsampled(), spans }));
await handle.shutdown();
`;

interface ComponentOutput {
  unsampled: boolean;
  spans: Array<{ traceparent: string | undefined; recording: boolean }>;
}

async function component(env: Record<string, string>): Promise<ComponentOutput> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', COMPONENT], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as ComponentOutput;
}

describe('startServerSpan for a root request', () => {
  it('without an exporter (roots dropped): a non-recording span with fresh, valid, distinct ids', async () => {
    const out = await component({});
    expect(out.unsampled).toBe(true);
    const ids = new Set<string>();
    for (const s of out.spans) {
      expect(s.recording).toBe(false);
      expect(s.traceparent).toMatch(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-00$/);
      ids.add(s.traceparent?.split('-')[1] ?? '');
    }
    expect(ids.size).toBe(out.spans.length);
  });

  it('with a sampler that keeps roots: the SDK starts a recording span', async () => {
    const out = await component({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
    expect(out.unsampled).toBe(false);
    for (const s of out.spans) {
      expect(s.recording).toBe(true);
      expect(s.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  }, 60_000);
}, 60_000);
