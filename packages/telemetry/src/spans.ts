/**
 * Running asynchronous work inside a span, for components that act on an
 * object's behalf: a controller's sync joins the trace the object carries in
 * its `tracing.k8s.io/traceparent` annotation; work that starts another
 * object's own trace (a pod a controller creates) begins a new root span that
 * links back to its cause, the caller's active span.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { contextOfObject } from './trace-context.js';
import { rootSpansUnsampled } from './tracing.js';

/** Ends the span after `work` settles, marking it failed (with the error's message) when `work` rejects. */
async function runIn<T>(span: Span, parent: Context, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Runs `work` inside a span named `name`, child of the object's traceparent annotation (a root
 * span when it has none), active for everything `work` awaits: requests it makes carry the span's
 * context. The span ends when `work` settles; a rejection marks it failed and is passed on.
 */
export function inObjectSpan<T>(
  tracer: Tracer,
  name: string,
  object: { metadata?: { annotations?: Record<string, string> } },
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = contextOfObject(object);
  return runIn(tracer.startSpan(name, { attributes }, parent), parent, work);
}

/**
 * Runs `work` inside a new root span named `name` (a trace of its own) that links to the span
 * active now, its cause (`skiff.link` = `linkKind`), when there is one. Ends and fails as
 * inObjectSpan does.
 */
export function inLinkedRootSpan<T>(
  tracer: Tracer,
  name: string,
  linkKind: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const cause = trace.getSpanContext(context.active());
  const links = cause !== undefined && trace.isSpanContextValid(cause) ? [{ context: cause, attributes: { 'skiff.link': linkKind } }] : [];
  return runIn(tracer.startSpan(name, { root: true, links, attributes }, ROOT_CONTEXT), ROOT_CONTEXT, work);
}

/**
 * `tracer.startSpan(name, options, parent)`, except that under an unsampled
 * parent it returns the parent's own context as a non-recording span and
 * starts nothing: with the parent-based samplers Skiff configures, such a
 * child would not be recorded either, and starting it (ids, attribute
 * sanitizing) cost ~2 % of the apiserver's CPU per create with no exporter.
 * The result's context is the parent's, so a traceparent taken from it still
 * names the same (unsampled) trace.
 */
export function startChildSpan(tracer: Tracer, name: string, options: SpanOptions = {}, parent: Context = context.active()): Span {
  const p = trace.getSpan(parent);
  if (p !== undefined && !p.isRecording() && (p.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) {
    return trace.wrapSpanContext(p.spanContext());
  }
  return tracer.startSpan(name, options, parent);
}

/** `n` random lowercase hex digits (an id as the SDK's RandomIdGenerator makes one; not for secrets). */
function randomHex(n: number): string {
  let out = '';
  while (out.length < n)
    out += Math.floor(Math.random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, n);
}

/**
 * The span of a request a server receives: `startChildSpan` under the
 * caller's context; with no parent, a root span, except that when this
 * process samples no root span (`rootSpansUnsampled`) it returns what the SDK
 * would, a non-recording span with fresh trace and span ids, without the
 * SDK's per-span work (sampler call, span metrics, attribute checks). So the
 * request still has a trace id of its own (a pod created by it carries it in
 * its traceparent) at a fraction of the cost.
 */
export function startServerSpan(tracer: Tracer, name: string, options: SpanOptions, parent: Context): Span {
  if (trace.getSpan(parent) !== undefined) return startChildSpan(tracer, name, options, parent);
  if (rootSpansUnsampled() && options.root !== true && options.links === undefined) {
    return trace.wrapSpanContext({ traceId: randomHex(32), spanId: randomHex(16), traceFlags: TraceFlags.NONE });
  }
  return tracer.startSpan(name, options, parent);
}
