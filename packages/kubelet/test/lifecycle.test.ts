/**
 * Init container planning, the pod status kubectl reads for them (Init:N/M, Init:Error,
 * Init:CrashLoopBackOff, PodInitializing), and lifecycle hooks run for real (exec with the container's env,
 * httpGet against a local server, the grace left after a preStop hook).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { planInitContainers, type InitContainerFacts } from '../src/lifecycle/init-containers.js';
import { graceLeftAfterHook, runLifecycleHook } from '../src/lifecycle/hooks.js';
import { computePodStatus, type ContainerView } from '../src/pod-status.js';
import type { ContainerState } from '../src/runtime/index.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const running: ContainerState = { state: 'running', pid: 1, startedAt: T0 };
const exited = (exitCode: number): ContainerState => ({
  state: 'exited',
  pid: 1,
  startedAt: T0,
  finishedAt: T0,
  exitCode,
  reason: exitCode === 0 ? 'Completed' : 'Error',
});

function pod(restartPolicy: string, sidecar = false): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: {
      restartPolicy,
      initContainers: [
        { name: 'one', image: 'x' },
        { name: 'two', image: 'x', ...(sidecar ? { restartPolicy: 'Always' } : {}) },
      ],
      containers: [{ name: 'app', image: 'x' }],
    },
  };
}

function facts(entries: Record<string, InitContainerFacts>): Map<string, InitContainerFacts> {
  return new Map(Object.entries(entries));
}

describe('planInitContainers', () => {
  it('runs the init containers one at a time, in order, each to success', () => {
    const p = pod('Always');
    expect(planInitContainers(p, facts({}), false)).toEqual({ kind: 'run', name: 'one' });
    expect(planInitContainers(p, facts({ one: { state: running } }), false)).toEqual({ kind: 'wait', name: 'one' });
    expect(planInitContainers(p, facts({ one: { state: exited(0) } }), false)).toEqual({ kind: 'run', name: 'two' });
    expect(planInitContainers(p, facts({ one: { state: exited(0) }, two: { state: exited(0) } }), false)).toEqual({
      kind: 'initialized',
      restartSidecars: [],
    });
  });

  it('follows restartPolicy for a failed init container: Never fails the pod, OnFailure and Always rerun it', () => {
    const failedOne = facts({ one: { state: exited(1) } });
    expect(planInitContainers(pod('Never'), failedOne, false)).toEqual({ kind: 'failed', name: 'one' });
    expect(planInitContainers(pod('OnFailure'), failedOne, false)).toEqual({ kind: 'run', name: 'one' });
    expect(planInitContainers(pod('Always'), failedOne, false)).toEqual({ kind: 'run', name: 'one' });
  });

  it('does not rerun init containers once app containers have run', () => {
    expect(planInitContainers(pod('Always'), facts({}), true)).toEqual({ kind: 'initialized', restartSidecars: [] });
  });

  it('moves past a sidecar once it is started, and restarts it when it exits later', () => {
    const p = pod('Never', true);
    const base = { one: { state: exited(0) } };
    expect(planInitContainers(p, facts({ ...base, two: { state: running, started: false } }), false)).toEqual({
      kind: 'wait',
      name: 'two',
    });
    expect(planInitContainers(p, facts({ ...base, two: { state: running, started: true } }), false).kind).toBe('initialized');
    expect(planInitContainers(p, facts({ ...base, two: { state: exited(1) } }), true)).toEqual({
      kind: 'initialized',
      restartSidecars: ['two'],
    });
  });
});

/** kubectl's STATUS column for a pod, as its printer derives it from init container statuses (printPod). */
function kubectlStatus(p: Pod, status: ReturnType<typeof computePodStatus>): string {
  const inits = status.initContainerStatuses ?? [];
  const initialized = status.conditions?.find((c) => c.type === 'Initialized')?.status === 'True';
  for (let i = 0; i < inits.length; i++) {
    const s = inits[i];
    if (s === undefined) continue;
    if (s.state?.terminated?.exitCode === 0) continue;
    if (s.state?.terminated !== undefined) return `Init:${s.state.terminated.reason ?? ''}`;
    const waiting = s.state?.waiting?.reason;
    if (waiting !== undefined && waiting !== '' && waiting !== 'PodInitializing') return `Init:${waiting}`;
    return `Init:${i}/${p.spec?.initContainers?.length ?? 0}`;
  }
  if (!initialized) return 'Init:?';
  const waiting = status.containerStatuses?.find((s) => s.state?.waiting !== undefined)?.state?.waiting?.reason;
  return waiting ?? status.phase ?? '';
}

function view(name: string, state: ContainerState | undefined, waiting?: { reason: string; message?: string }): ContainerView {
  return {
    name,
    image: 'x',
    id: state === undefined ? undefined : `u1_${name}_0`,
    state,
    previous: undefined,
    restartCount: 0,
    ...(waiting === undefined ? {} : { waiting }),
  };
}

describe('pod status with init containers', () => {
  const status = (p: Pod, inits: ContainerView[], apps: ContainerView[], initialized: boolean, failed = false) =>
    computePodStatus(p, apps, '10.0.0.1', T0.toISOString(), { views: inits, initialized, failed, sidecars: new Set() });

  it('reads as Init:0/2, Init:1/2, PodInitializing and Running through the sequence', () => {
    const p = pod('Always');
    const waiting = { reason: 'PodInitializing' };
    const s1 = status(p, [view('one', running), view('two', undefined, waiting)], [view('app', undefined, waiting)], false);
    expect(s1.phase).toBe('Pending');
    expect(kubectlStatus(p, s1)).toBe('Init:0/2');
    expect(s1.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized' });
    const s2 = status(p, [view('one', exited(0)), view('two', running)], [view('app', undefined, waiting)], false);
    expect(kubectlStatus(p, s2)).toBe('Init:1/2');
    const s3 = status(p, [view('one', exited(0)), view('two', exited(0))], [view('app', undefined)], true);
    expect(s3.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    expect(kubectlStatus(p, s3)).toBe('ContainerCreating');
    const s4 = status(p, [view('one', exited(0)), view('two', exited(0))], [view('app', running)], true);
    expect(s4.phase).toBe('Running');
    expect(s4.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual(['Completed', 'Completed']);
  });

  it('reads as Init:Error (Failed) under Never and Init:CrashLoopBackOff (Pending) otherwise', () => {
    const never = pod('Never');
    const failed = status(
      never,
      [view('one', exited(1)), view('two', undefined, { reason: 'PodInitializing' })],
      [view('app', undefined)],
      false,
      true,
    );
    expect(failed.phase).toBe('Failed');
    expect(kubectlStatus(never, failed)).toBe('Init:Error');
    const always = pod('Always');
    const backoff = status(
      always,
      [view('one', exited(1), { reason: 'CrashLoopBackOff', message: 'back-off 10s' })],
      [view('app', undefined)],
      false,
    );
    expect(backoff.phase).toBe('Pending');
    expect(kubectlStatus(always, backoff)).toBe('Init:CrashLoopBackOff');
  });
});

describe('lifecycle hooks', () => {
  const target = { podIP: '127.0.0.1', env: { PATH: '/usr/bin:/bin', GREETING: 'hi' }, cgroupProcs: [], ports: { web: 0 } };

  it('runs an exec hook with the container env and reports its output on failure', async () => {
    expect(await runLifecycleHook({ exec: { command: ['sh', '-c', 'test "$GREETING" = hi'] } }, target, 5000)).toEqual({
      ok: true,
      message: '',
    });
    const failed = await runLifecycleHook({ exec: { command: ['sh', '-c', 'echo nope; exit 3'] } }, target, 5000);
    expect(failed).toEqual({ ok: false, message: 'nope\n' });
    const slow = await runLifecycleHook({ exec: { command: ['sleep', '5'] } }, target, 200);
    expect(slow.ok).toBe(false);
    expect(slow.message).toMatch(/timed out/);
  });

  it('sends an httpGet hook to the pod, by port name', async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/bad' ? 500 : 200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const t = { ...target, ports: { web: port } };
      expect(await runLifecycleHook({ httpGet: { port: 'web', path: '/drain' } }, t, 5000)).toEqual({ ok: true, message: '' });
      expect((await runLifecycleHook({ httpGet: { port, path: '/bad' } }, t, 5000)).ok).toBe(false);
      expect(paths).toEqual(['/drain', '/bad']);
    } finally {
      server.close();
    }
  });

  it('counts the preStop hook against the grace period, leaving at least 2 s', () => {
    expect(graceLeftAfterHook(30, 1000, 11_000)).toBe(20);
    expect(graceLeftAfterHook(5, 1000, 10_000)).toBe(2);
  });
});
