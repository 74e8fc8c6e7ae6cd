/**
 * Trace sampling from the standard variables `OTEL_TRACES_SAMPLER` and
 * `OTEL_TRACES_SAMPLER_ARG`, which the OpenTelemetry SDK reads itself. This module only checks
 * them first: the SDK answers a typo or an out-of-range ratio with a diagnostic nobody sees and
 * samples everything, which an operator who asked for 1% would not want to discover later.
 *
 * A pod's trace crosses processes (apiserver → scheduler → kubelet) through the `traceparent`
 * annotation and NATS headers, whose flags carry the sampling decision. With the default
 * `parentbased_always_on`, or `parentbased_traceidratio`, only the span that starts the trace
 * (the create request, or the client's own traceparent) decides; every later span follows its
 * parent, so a pod's trace is kept or dropped whole. (`traceidratio` without `parentbased_`
 * also agrees across processes as long as every component has the same ratio, since the
 * decision is a function of the trace id.)
 */

/** The sampler names the SDK accepts (`jaeger_remote` and `xray` need extra packages: not supported). */
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** One of {@link SAMPLERS}. */
export type SamplerName = (typeof SAMPLERS)[number];

/** The sampling the SDK will apply. */
export interface SamplingConfig {
  sampler: SamplerName;
  /** The ratio of root spans kept, for the ratio samplers (the SDK's default is 1). */
  ratio?: number;
}

/** A bad `OTEL_TRACES_SAMPLER` or `OTEL_TRACES_SAMPLER_ARG`; the message says what is accepted. */
export class SamplingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SamplingConfigError';
  }
}

function isSamplerName(name: string): name is SamplerName {
  return (SAMPLERS as readonly string[]).includes(name);
}

/**
 * Reads and checks the sampling variables. Unset means `parentbased_always_on` (the SDK's
 * default). Throws {@link SamplingConfigError} for an unknown sampler, or for a ratio sampler
 * whose argument is not a number in [0, 1] (an unset argument means 1, as in the SDK).
 */
export function samplingFromEnv(env: NodeJS.ProcessEnv = process.env): SamplingConfig {
  const name = (env['OTEL_TRACES_SAMPLER'] ?? '').trim().toLowerCase();
  const sampler = name === '' ? 'parentbased_always_on' : name;
  if (!isSamplerName(sampler)) {
    throw new SamplingConfigError(`OTEL_TRACES_SAMPLER="${name}" is not a sampler Skiff supports; use one of ${SAMPLERS.join(', ')}`);
  }
  if (!sampler.endsWith('traceidratio')) return { sampler };
  const arg = (env['OTEL_TRACES_SAMPLER_ARG'] ?? '').trim();
  if (arg === '') return { sampler, ratio: 1 };
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new SamplingConfigError(`OTEL_TRACES_SAMPLER_ARG="${arg}" must be a ratio from 0 to 1 for ${sampler}`);
  }
  return { sampler, ratio };
}

/** `parentbased_traceidratio(0.1)`, for logs and start-up lines. */
export function describeSampling(config: SamplingConfig): string {
  return config.ratio === undefined ? config.sampler : `${config.sampler}(${config.ratio})`;
}
