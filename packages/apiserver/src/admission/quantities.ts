/**
 * Quantity arithmetic for admission: values in thousandths (milli-units,
 * integers) so sums and comparisons are exact, printed back the way
 * Kubernetes' resource.Quantity prints them (`500m`, `2`, `1Gi`, `1k`).
 */
import { parseQuantity } from '@skiff/api';

/** A resource list in milli-units. */
export type MilliList = Map<string, number>;

const BINARY = /[KMGTPE]i$/;
const BINARY_SUFFIXES: ReadonlyArray<[string, number]> = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];
const DECIMAL_SUFFIXES: ReadonlyArray<[string, number]> = [
  ['E', 1e18],
  ['P', 1e15],
  ['T', 1e12],
  ['G', 1e9],
  ['M', 1e6],
  ['k', 1e3],
];

/** A quantity in thousandths, rounded up (as MilliValue). */
export function toMilli(q: string | number): number {
  return Math.ceil(parseQuantity(q) * 1000 - 1e-6);
}

/** True when the quantity text uses a binary suffix (its canonical form keeps one). */
export function isBinary(q: string | number | undefined): boolean {
  return typeof q === 'string' && BINARY.test(q.trim());
}

/** Kubernetes' canonical text for a value in milli-units: binary suffixes when `binary`, else decimal ones. */
export function formatMilli(milli: number, binary: boolean): string {
  if (milli % 1000 !== 0) return `${milli}m`;
  const value = milli / 1000;
  if (value === 0) return '0';
  const suffixes = binary ? BINARY_SUFFIXES : DECIMAL_SUFFIXES;
  for (const [suffix, factor] of suffixes) if (Math.abs(value) >= factor && value % factor === 0) return `${value / factor}${suffix}`;
  return String(value);
}

/** A quantity text in its canonical form (`0.5` → `500m`, `1024Mi` → `1Gi`). */
export function canonical(q: string | number): string {
  return formatMilli(toMilli(q), isBinary(q));
}

/** Parses a resource list (e.g. `spec.hard`) into milli-units; undefined values are skipped. */
export function milliList(list: Record<string, string | number> | undefined): MilliList {
  const out: MilliList = new Map();
  for (const [k, v] of Object.entries(list ?? {})) out.set(k, toMilli(v));
  return out;
}

/** `a=1,b=500m`: a list sorted by name, as upstream's prettyPrint. */
export function prettyPrint(list: MilliList, binaryHint: (name: string) => boolean): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${formatMilli(list.get(k) ?? 0, binaryHint(k))}`)
    .join(',');
}
