/**
 * OpenTelemetry start-up. Call startTracing() first thing in a component's
 * process, before the component's own modules load, so instrumentation sees
 * them. Traces are exported over OTLP only when the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * variables are set; otherwise spans are created (so trace context still flows
 * between components) and dropped.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { trace, type Tracer } from '@opentelemetry/api';

/** A started SDK; shutdown() flushes spans and is safe to call twice. */
export interface TracingHandle {
  readonly exporting: boolean;
  shutdown(): Promise<void>;
}

let active: { sdk: NodeSDK; handle: TracingHandle } | undefined;

/** True when the environment names an OTLP endpoint. */
export function otlpConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

/** Starts the SDK once per process under the given service name (`skiff-apiserver`). */
export function startTracing(serviceName: string): TracingHandle {
  if (active !== undefined) return active.handle;
  const exporting = otlpConfigured();
  if (process.env['OTEL_SERVICE_NAME'] === undefined) process.env['OTEL_SERVICE_NAME'] = serviceName;
  if (!exporting && process.env['OTEL_TRACES_EXPORTER'] === undefined) process.env['OTEL_TRACES_EXPORTER'] = 'none';
  if (process.env['OTEL_METRICS_EXPORTER'] === undefined) process.env['OTEL_METRICS_EXPORTER'] = 'none';
  if (process.env['OTEL_LOGS_EXPORTER'] === undefined) process.env['OTEL_LOGS_EXPORTER'] = 'none';
  const sdk = new NodeSDK({ serviceName });
  sdk.start();
  let stopped: Promise<void> | undefined;
  const handle: TracingHandle = {
    exporting,
    shutdown() {
      stopped ??= sdk.shutdown().catch(() => undefined);
      return stopped;
    },
  };
  active = { sdk, handle };
  return handle;
}

/** The tracer of a Skiff component. */
export function tracer(component: string): Tracer {
  return trace.getTracer(`skiff-${component}`);
}
