/** Byte counts as Kubernetes prints memory quantities in messages (binary suffixes, whole numbers). */

const UNITS: ReadonlyArray<[string, number]> = [
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** `104857600` → `100Mi`; a count that is not a whole number of any unit is rounded to the largest unit ≥ 1 it fits. */
export function formatBytes(n: number): string {
  const value = Math.round(n);
  for (const [suffix, size] of UNITS) if (Math.abs(value) >= size) return `${Math.round(value / size)}${suffix}`;
  return String(value);
}
