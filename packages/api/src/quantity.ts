import { ApiError } from './status.js';

const BINARY_SUFFIX: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

/**
 * Parses a Kubernetes quantity (`500m`, `1.5`, `128Mi`, `1e3`, `2G`) into its value
 * as a number. Throws a 400 ApiError for text that is not a quantity.
 */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = QUANTITY.exec(text.trim());
  if (match === null) throw new ApiError(400, 'BadRequest', `quantities must match the regular expression '${QUANTITY.source}'`);
  const base = Number(match[1]);
  const suffix = match[2];
  if (match[3] !== undefined) return base * 10 ** Number(match[3]);
  if (suffix === undefined) return base;
  const factor = BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix];
  return base * (factor ?? 1);
}

/** True when the text is a well-formed quantity. */
export function isQuantity(text: unknown): boolean {
  return (typeof text === 'string' && QUANTITY.test(text.trim())) || typeof text === 'number';
}

/** A cpu quantity in millicores, rounded up as Kubernetes does (`0.1` → 100, `1m` → 1). */
export function milliCpu(text: string | number): number {
  return Math.ceil(parseQuantity(text) * 1000 - 1e-9);
}

/** A memory (or other byte) quantity in bytes, rounded up. */
export function bytes(text: string | number): number {
  return Math.ceil(parseQuantity(text) - 1e-9);
}

/** Formats millicores the way Kubernetes prints them: `2`, `500m`. */
export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes with the largest exact binary suffix: `128Mi`, `1Gi`, `1000`. */
export function formatBytes(value: number): string {
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const factor = BINARY_SUFFIX[suffix] ?? 1;
    if (value !== 0 && value % factor === 0) return `${value / factor}${suffix}`;
  }
  return String(value);
}
