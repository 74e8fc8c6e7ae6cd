import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, trace, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { startChildSpan } from '../src/spans.js';

/** A tracer that counts the spans it is asked to start. */
function countingTracer(): { tracer: Tracer; started: string[] } {
  const started: string[] = [];
  const tracer = {
    startSpan: (name: string): Span => {
      started.push(name);
      return trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    },
  } as unknown as Tracer;
  return { tracer, started };
}

const parentContext = (flags: TraceFlags): ReturnType<typeof trace.setSpanContext> =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: flags, isRemote: true });

describe('startChildSpan', () => {
  it('starts nothing under an unsampled parent and carries the parent context', () => {
    const { tracer, started } = countingTracer();
    const span = startChildSpan(tracer, 'child', {}, parentContext(TraceFlags.NONE));
    expect(started).toEqual([]);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().spanId).toBe('b'.repeat(16));
  });

  it('starts a span under a sampled parent and without a parent', () => {
    const { tracer, started } = countingTracer();
    startChildSpan(tracer, 'sampled', {}, parentContext(TraceFlags.SAMPLED));
    startChildSpan(tracer, 'root', {}, ROOT_CONTEXT);
    expect(started).toEqual(['sampled', 'root']);
  });
});
