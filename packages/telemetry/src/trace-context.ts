/**
 * Trace context across asynchronous hand-offs. A pod's lifecycle crosses
 * processes with no call between them (create → schedule → start), so the
 * context of the create request is written on the pod as an annotation and
 * every later actor starts its spans from it; NATS messages carry it in a
 * `traceparent` header. Both use the W3C trace-context format.
 */
import { context, propagation, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';

/** The annotation that carries a pod's trace context (the upstream proposal's name). */
export const TRACEPARENT_ANNOTATION = 'tracing.k8s.io/traceparent';

/** The W3C `traceparent` of a span (`00-<trace>-<span>-<flags>`), or undefined for a non-recording one. */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, '0')}`;
}

/** A version-00 traceparent exactly as `traceparentOf` writes it: trace id, span id, flags. */
const PLAIN_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

/**
 * True for a valid version-00 `traceparent` whose sampled flag is clear. Under
 * the parent-based samplers Skiff configures a child of it is not recorded,
 * and the traceparent of such a child (see `startChildSpan`) is this one: a
 * caller can pass it on without extracting a context or starting a span.
 * False for anything else, including forms the propagator would still accept.
 */
export function isUnsampledTraceparent(traceparent: string): boolean {
  const m = PLAIN_TRACEPARENT.exec(traceparent);
  if (m === null || ALL_ZERO.test(m[1] ?? '') || ALL_ZERO.test(m[2] ?? '')) return false;
  return (parseInt(m[3] ?? '01', 16) & 1) === 0;
}

/** A context whose parent is the span named by a `traceparent` (the root context when absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (traceparent === undefined || traceparent === '') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent }, { get: (c, k) => c[k as 'traceparent'], keys: (c) => Object.keys(c) });
}

/** The trace context an object carries in its annotations. */
export function contextOfObject(object: { metadata?: { annotations?: Record<string, string> } } | undefined): Context {
  return contextFromTraceparent(object?.metadata?.annotations?.[TRACEPARENT_ANNOTATION]);
}

/** The incoming request's context from its headers (a client's `traceparent`), for server spans. */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), headers, {
    get: (c, k) => {
      const v = c[k];
      return Array.isArray(v) ? v[0] : v;
    },
    keys: (c) => Object.keys(c),
  });
}
