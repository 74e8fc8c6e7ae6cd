/**
 * Polling helpers shared by the kubelet's tests: wait for a condition with a generous deadline
 * (these machines are shared and slow under load), never assert on how long it took.
 */
import type { ContainerRuntime, ContainerState } from '../../src/runtime/types.js';

/** Polls `fn` every 20 ms until it returns something other than undefined/false; throws after `ms`. */
export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The container's state once it has exited (waits up to `ms`). */
export function exitOf(
  rt: Pick<ContainerRuntime, 'containerState'>,
  id: string,
  ms = 30_000,
): Promise<ContainerState & { state: 'exited' }> {
  return until(() => {
    const s = rt.containerState(id);
    return s?.state === 'exited' ? s : undefined;
  }, ms);
}
