export { startTracing, otlpConfigured, rootSpansUnsampled, tracer } from './tracing.js';
export type { TracingHandle } from './tracing.js';
export { samplingFromEnv, describeSampling, SamplingConfigError, SAMPLERS } from './sampling.js';
export type { SamplingConfig, SamplerName } from './sampling.js';
export { createMetricsRegistry, serveMetrics, lifecyclePhaseHistogram } from './metrics.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export {
  TRACEPARENT_ANNOTATION,
  traceparentOf,
  isUnsampledTraceparent,
  contextFromTraceparent,
  contextOfObject,
  contextFromHeaders,
} from './trace-context.js';
export { instrumentNatsConnection, natsMetricsOf, NatsMetrics } from './nats-metrics.js';
export type { ConsumedEvent, NatsConnectionStats, NatsStatsSource } from './nats-metrics.js';
export { inObjectSpan, inLinkedRootSpan, startChildSpan, startServerSpan } from './spans.js';
export { FastHistogram, HistogramSeries } from './fast-histogram.js';
export type { FastHistogramConfiguration } from './fast-histogram.js';
