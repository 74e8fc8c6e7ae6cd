/**
 * Container lifecycle hooks (postStart, preStop), run as upstream's handler runner does: `exec` runs the
 * command inside the container's cgroup with the container's environment, `httpGet` sends a GET to the
 * pod (200-399 is success), `tcpSocket` connects, `sleep` waits. The I/O is the prober's TypeScript runs
 * (../probes/ts-runs.ts): a hook is a probe that runs once with its own deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container } from '@skiff/api';
import { pollerSpec, type ProbeTarget } from '../probes/probe-spec.js';
import { runExec, runHttp, runTcp, type ActiveRun } from '../probes/ts-runs.js';

/** A postStart or preStop handler (the API types' core/v1 LifecycleHandler). */
export type LifecycleHandler = NonNullable<NonNullable<Container['lifecycle']>['preStop']>;

export type HookName = 'PostStart' | 'PreStop';

/** How a hook ended: `ok` false with upstream-like text in `message` (command output, HTTP status, timeout). */
export interface HookOutcome {
  ok: boolean;
  message: string;
}

/**
 * Runs one hook to completion or until `timeoutMs` passes (a run past its deadline is killed and fails).
 * Never rejects. An unsupported handler (grpc-like, https, an unknown port name) fails with the reason.
 */
export async function runLifecycleHook(handler: LifecycleHandler, target: ProbeTarget, timeoutMs: number): Promise<HookOutcome> {
  const deadlineMs = Math.max(0, Math.floor(timeoutMs));
  if (handler.sleep !== undefined) {
    const ms = Math.max(0, handler.sleep.seconds * 1000);
    await sleep(Math.min(ms, deadlineMs));
    return ms <= deadlineMs ? { ok: true, message: '' } : { ok: false, message: `sleep ${handler.sleep.seconds}s timed out` };
  }
  const spec = pollerSpec(handler, target, 0);
  if ('unsupported' in spec) return { ok: false, message: spec.unsupported };
  let run: ActiveRun;
  if (spec.kind === 'exec') run = runExec({ ...spec, timeoutMs: deadlineMs });
  else if (spec.kind === 'http') run = runHttp({ ...spec, timeoutMs: deadlineMs });
  else if (spec.kind === 'tcp') run = runTcp({ ...spec, timeoutMs: deadlineMs });
  else return { ok: false, message: 'grpc is not a lifecycle handler' };
  const outcome = await run.done;
  return { ok: outcome.result === 'success', message: outcome.output };
}

/** Upstream's floor on what is left of the grace period after a preStop hook (minimumGracePeriodInSeconds). */
export const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

/**
 * The grace period left for SIGTERM→SIGKILL once a preStop hook that started at `hookStartedAt` (ms) has
 * ended: the hook's time counts against `graceSeconds`, floored at 2 s as upstream does.
 */
export function graceLeftAfterHook(graceSeconds: number, hookStartedAt: number, now: number = Date.now()): number {
  const left = graceSeconds - (now - hookStartedAt) / 1000;
  return Math.max(MIN_GRACE_AFTER_HOOK_SECONDS, left);
}
