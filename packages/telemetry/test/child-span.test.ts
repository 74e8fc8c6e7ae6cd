import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, trace, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { startChildSpan, startServerSpan } from '../src/spans.js';
import { rootSpansUnsampled } from '../src/tracing.js';
import { isUnsampledTraceparent, traceparentOf } from '../src/trace-context.js';

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

describe('isUnsampledTraceparent', () => {
  const tp = (flags: string): string => `00-${'a'.repeat(32)}-${'b'.repeat(16)}-${flags}`;

  it('accepts a valid traceparent whose sampled flag is clear, which is the traceparent of a child under it', () => {
    expect(isUnsampledTraceparent(tp('00'))).toBe(true);
    expect(isUnsampledTraceparent(tp('02'))).toBe(true);
    const child = startChildSpan(countingTracer().tracer, 'child', {}, parentContext(TraceFlags.NONE));
    expect(traceparentOf(child)).toBe(tp('00'));
  });

  it('refuses sampled, invalid and other-version traceparents (they take the span path)', () => {
    expect(isUnsampledTraceparent(tp('01'))).toBe(false);
    expect(isUnsampledTraceparent(tp('03'))).toBe(false);
    expect(isUnsampledTraceparent(`00-${'0'.repeat(32)}-${'b'.repeat(16)}-00`)).toBe(false);
    expect(isUnsampledTraceparent(`00-${'a'.repeat(32)}-${'0'.repeat(16)}-00`)).toBe(false);
    expect(isUnsampledTraceparent(`01-${'a'.repeat(32)}-${'b'.repeat(16)}-00`)).toBe(false);
    expect(isUnsampledTraceparent(`${tp('00')}-extra`)).toBe(false);
    expect(isUnsampledTraceparent(tp('00').toUpperCase())).toBe(false);
    expect(isUnsampledTraceparent('')).toBe(false);
  });
});

describe('startServerSpan in a process without tracing started', () => {
  it('follows the parent: nothing under an unsampled one, a span under a sampled one', () => {
    const { tracer, started } = countingTracer();
    const unsampled = startServerSpan(tracer, 'unsampled', {}, parentContext(TraceFlags.NONE));
    expect(unsampled.spanContext().spanId).toBe('b'.repeat(16));
    startServerSpan(tracer, 'sampled', {}, parentContext(TraceFlags.SAMPLED));
    expect(started).toEqual(['sampled']);
  });

  it('asks the tracer for a root span (no sampler is known)', () => {
    expect(rootSpansUnsampled()).toBe(false);
    const { tracer, started } = countingTracer();
    startServerSpan(tracer, 'root', {}, ROOT_CONTEXT);
    expect(started).toEqual(['root']);
  });
});
