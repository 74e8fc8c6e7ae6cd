/**
 * inObjectSpan and inLinkedRootSpan on the real OpenTelemetry SDK (NodeSDK with a span
 * processor that keeps ended spans): parents, links, the active context across awaits, and
 * failure status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { inLinkedRootSpan, inObjectSpan, TRACEPARENT_ANNOTATION, traceparentOf, tracer } from '@skiff/telemetry';

interface EndedSpan {
  name: string;
  parentSpanContext?: { spanId: string } | undefined;
  links: Array<{ context: { traceId: string; spanId: string }; attributes?: Record<string, unknown> }>;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  spanContext(): { traceId: string; spanId: string };
}

const ended: EndedSpan[] = [];
const sdk = new NodeSDK({
  serviceName: 'spans-test',
  spanProcessors: [
    {
      onStart: () => undefined,
      onEnd: (span: EndedSpan) => void ended.push(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    },
  ],
});
const testTracer = tracer('test');

beforeAll(() => sdk.start());
afterAll(() => sdk.shutdown());

/** An object as the apiserver leaves it: annotated with a (here: fresh, ended) span's traceparent. */
function tracedObject(): { object: { metadata: { annotations: Record<string, string> } }; traceId: string; spanId: string } {
  const create = testTracer.startSpan('POST deployments');
  create.end();
  const { traceId, spanId } = create.spanContext();
  return { object: { metadata: { annotations: { [TRACEPARENT_ANNOTATION]: traceparentOf(create) ?? '' } } }, traceId, spanId };
}

describe('spans for work on an object', () => {
  it("runs the work in a child of the object's traceparent, active across awaits", async () => {
    const { object, traceId, spanId } = tracedObject();
    const result = await inObjectSpan(testTracer, 'sync Deployment', object, { 'k8s.deployment.name': 'web' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return trace.getSpanContext(context.active());
    });
    const sync = ended.find((s) => s.name === 'sync Deployment');
    expect(sync?.spanContext().traceId).toBe(traceId);
    expect(sync?.parentSpanContext?.spanId).toBe(spanId);
    expect(sync?.attributes['k8s.deployment.name']).toBe('web');
    expect(result?.spanId).toBe(sync?.spanContext().spanId);
  });

  it('starts a root span when the object carries no traceparent, and marks a failed sync', async () => {
    await expect(inObjectSpan(testTracer, 'sync ReplicaSet', {}, {}, () => Promise.reject(new Error('conflict')))).rejects.toThrow(
      'conflict',
    );
    const sync = ended.find((s) => s.name === 'sync ReplicaSet');
    expect(sync?.parentSpanContext).toBeUndefined();
    expect(sync?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'conflict' });
  });

  it('starts a new trace linked to the active span, its cause', async () => {
    const { object } = tracedObject();
    let inner: string | undefined;
    const cause = await inObjectSpan(testTracer, 'sync DaemonSet', object, {}, async (span) => {
      await inLinkedRootSpan(testTracer, 'create pod', 'owner sync', { 'k8s.namespace.name': 'default' }, () => {
        inner = trace.getSpanContext(context.active())?.spanId;
        return Promise.resolve();
      });
      return span.spanContext();
    });
    const root = ended.find((s) => s.name === 'create pod');
    expect(root?.parentSpanContext).toBeUndefined();
    expect(root?.spanContext().traceId).not.toBe(cause.traceId);
    expect(root?.spanContext().spanId).toBe(inner);
    expect(root?.links).toHaveLength(1);
    expect(root?.links[0]?.context.spanId).toBe(cause.spanId);
    expect(root?.links[0]?.attributes?.['skiff.link']).toBe('owner sync');
  });

  it('has no link when nothing is active', async () => {
    await inLinkedRootSpan(testTracer, 'orphan', 'owner sync', {}, () => Promise.resolve());
    expect(ended.find((s) => s.name === 'orphan')?.links).toEqual([]);
  });
});
