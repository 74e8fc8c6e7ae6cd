/**
 * kubelet_pleg_relist_duration_seconds: how long one pass of the loop that notices container exits takes
 * (the process runtime's poll, runtime/process-runtime.ts tick(); upstream's PLEG relist), with upstream's
 * buckets. The CLI hands `observe` to the runtime as its `onRelist`.
 */
import { Histogram, type Registry } from 'prom-client';

/** Registers the histogram in `registry`; returns the observer the runtime calls with each pass's seconds. */
export function plegRelistObserver(registry: Registry): (seconds: number) => void {
  const histogram = new Histogram({
    name: 'kubelet_pleg_relist_duration_seconds',
    help: 'Duration in seconds for relisting pods in PLEG.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (seconds) => histogram.observe(seconds);
}
