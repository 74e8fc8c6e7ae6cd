/** Runs probe specs once on a fresh poller: the shared helper of the poller tests. */
import { expect } from 'vitest';
import {
  createProbePoller,
  type PollerBatch,
  type PollerOptions,
  type ProbePollerKind,
  type ProbeRunResult,
  type ProbeSpec,
} from '../../src/probes/index.js';

/**
 * Runs each spec once on a fresh poller of `kind` (with `options` besides onResults) and returns the first
 * result per id (waits up to 10 s).
 */
export async function runOnce(
  kind: ProbePollerKind,
  specs: Record<string, ProbeSpec>,
  options: Omit<PollerOptions, 'onResults'> = {},
): Promise<Map<string, ProbeRunResult>> {
  const results = new Map<string, ProbeRunResult>();
  const batches: PollerBatch[] = [];
  let wake: () => void = () => undefined;
  const poller = createProbePoller(kind, {
    ...options,
    onResults: (b) => {
      batches.push(b);
      for (const r of b.probes) if (!results.has(r.id)) results.set(r.id, r);
      if (results.size === Object.keys(specs).length) wake();
    },
  });
  try {
    const all = new Promise<void>((r) => (wake = r));
    for (const [id, spec] of Object.entries(specs)) poller.set(id, spec);
    expect(poller.size).toBe(Object.keys(specs).length);
    await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
  } finally {
    await poller.close();
  }
  expect(batches.length).toBeLessThan(Object.keys(specs).length + 1);
  return results;
}

/** Result and output per id, sorted by id: what native and twin must agree on. */
export const summary = (m: Map<string, ProbeRunResult>): Record<string, { result: string; output: string }> =>
  Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([id, r]) => [id, { result: r.result, output: r.output }]));
