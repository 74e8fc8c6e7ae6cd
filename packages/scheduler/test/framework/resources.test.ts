/** The one-pass requests of pods without init containers or overhead against the general fold. */
import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { computePodResources, foldPodResources, quantityValue } from '../../src/framework/resources.js';

const QUANTITIES = ['0', '100m', '250m', '1', '2', '0.5', '128Mi', '1Gi', '200M', '3', 1, 0];
const NAMES = ['cpu', 'memory', 'ephemeral-storage', 'example.com/gpu', 'pods'];

function random(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 48271) % 2147483647) / 2147483647;
}

function someResources(r: () => number): Record<string, string | number> | undefined {
  if (r() < 0.2) return undefined;
  const out: Record<string, string | number> = {};
  for (const name of NAMES) if (r() < 0.4) out[name] = QUANTITIES[Math.floor(r() * QUANTITIES.length)]!;
  return out;
}

function container(r: () => number, i: number): Container {
  const requests = someResources(r);
  const limits = someResources(r);
  const resources = requests === undefined && limits === undefined && r() < 0.5 ? undefined : { requests, limits };
  return { name: `c${i}`, image: 'app', ...(resources === undefined ? {} : { resources }) } as Container;
}

describe('podResources', () => {
  it('computes the same requests in one pass as the general fold, for 3,000 random pods', () => {
    const r = random(11);
    for (let k = 0; k < 3000; k++) {
      const containers = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => container(r, i));
      const pod: Pod = { metadata: { name: `p${k}`, namespace: 'default' }, spec: { containers } };
      const fast = computePodResources(pod);
      const reference = foldPodResources(pod);
      expect([...fast.requests]).toEqual([...reference.requests]);
      expect(fast.nonZeroMilliCpu).toBe(reference.nonZeroMilliCpu);
      expect(fast.nonZeroMemoryBytes).toBe(reference.nonZeroMemoryBytes);
    }
  });

  it('parses a repeated quantity string once per unit and gives the parser result', () => {
    expect(quantityValue('cpu', '250m')).toBe(250);
    expect(quantityValue('cpu', '250m')).toBe(250);
    expect(quantityValue('memory', '250m')).toBe(1);
    expect(quantityValue('cpu', 0.5)).toBe(500);
    expect(quantityValue('memory', '1Gi')).toBe(1024 ** 3);
  });
});
