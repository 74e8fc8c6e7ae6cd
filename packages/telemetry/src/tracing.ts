/**
 * OpenTelemetry start-up. Call startTracing() first thing in a component's
 * process, before the component's own modules load, so instrumentation sees
 * them. Traces are exported over OTLP only when the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * variables are set (or another exporter through `OTEL_TRACES_EXPORTER`).
 * Otherwise a tracer provider still runs, so trace ids still flow between
 * components (a pod still carries a `traceparent`, `skiff trace` still answers),
 * but it samples with `parentbased_always_off` unless `OTEL_TRACES_SAMPLER` says
 * otherwise: spans are not recorded, and cost next to nothing. Sampling follows
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, checked first (sampling.ts).
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { trace, type Tracer } from '@opentelemetry/api';
import { samplingFromEnv, type SamplingConfig } from './sampling.js';

/** A started SDK; shutdown() flushes spans and is safe to call twice. */
export interface TracingHandle {
  readonly exporting: boolean;
  /** The sampler the SDK applies. */
  readonly sampling: SamplingConfig;
  shutdown(): Promise<void>;
}

let active: { sdk: NodeSDK; handle: TracingHandle } | undefined;

/** A span processor that drops every span: the tracer provider's only one when nothing exports. */
const DROP_SPANS = {
  onStart(): void {},
  onEnd(): void {},
  forceFlush: (): Promise<void> => Promise.resolve(),
  shutdown: (): Promise<void> => Promise.resolve(),
};

/** True when the environment names an OTLP endpoint. */
export function otlpConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

/**
 * Starts the SDK once per process under the given service name (`skiff-apiserver`). Throws a
 * `SamplingConfigError` (before starting anything) when the sampling variables are invalid.
 */
export function startTracing(serviceName: string): TracingHandle {
  if (active !== undefined) return active.handle;
  const exporting = otlpConfigured();
  const noExporter = !exporting && (process.env['OTEL_TRACES_EXPORTER'] ?? 'none') === 'none';
  if (noExporter && process.env['OTEL_TRACES_SAMPLER'] === undefined) process.env['OTEL_TRACES_SAMPLER'] = 'parentbased_always_off';
  const sampling = samplingFromEnv();
  if (process.env['OTEL_SERVICE_NAME'] === undefined) process.env['OTEL_SERVICE_NAME'] = serviceName;
  if (process.env['OTEL_METRICS_EXPORTER'] === undefined) process.env['OTEL_METRICS_EXPORTER'] = 'none';
  if (process.env['OTEL_LOGS_EXPORTER'] === undefined) process.env['OTEL_LOGS_EXPORTER'] = 'none';
  // With no exporter the SDK would install no tracer provider at all, and no trace context would flow.
  const sdk = new NodeSDK(noExporter ? { serviceName, spanProcessors: [DROP_SPANS] } : { serviceName });
  sdk.start();
  let stopped: Promise<void> | undefined;
  const handle: TracingHandle = {
    exporting,
    sampling,
    shutdown() {
      stopped ??= sdk.shutdown().catch(() => undefined);
      return stopped;
    },
  };
  active = { sdk, handle };
  return handle;
}

/**
 * True when this process started tracing with a sampler that records no root
 * span (`always_off`, `parentbased_always_off`: the default without an
 * exporter); false otherwise, also before startTracing (no SDK: spans are no-ops).
 */
export function rootSpansUnsampled(): boolean {
  const sampler = active?.handle.sampling.sampler;
  return sampler === 'always_off' || sampler === 'parentbased_always_off';
}

/** The tracer of a Skiff component. */
export function tracer(component: string): Tracer {
  return trace.getTracer(`skiff-${component}`);
}
