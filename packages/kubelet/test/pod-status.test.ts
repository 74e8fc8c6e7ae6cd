import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { computePodStatus, podPhase, statusChanged, expandVars, type ContainerView } from '@skiff/kubelet';

const started = new Date('2026-01-01T00:00:00Z');
const finished = new Date('2026-01-01T00:00:05Z');

function pod(restartPolicy: 'Always' | 'OnFailure' | 'Never', names = ['a']): Pod {
  return { metadata: { name: 'p', uid: 'u' }, spec: { restartPolicy, containers: names.map((name) => ({ name, image: 'i' })) } };
}
const running = (name: string): ContainerView => ({
  name,
  image: 'i',
  id: `u_${name}_0`,
  state: { state: 'running', pid: 1, startedAt: started },
  previous: undefined,
  restartCount: 0,
});
const exited = (
  name: string,
  exitCode: number,
  reason: 'Completed' | 'Error' | 'OOMKilled' = exitCode === 0 ? 'Completed' : 'Error',
): ContainerView => ({
  name,
  image: 'i',
  id: `u_${name}_0`,
  state: { state: 'exited', pid: 1, startedAt: started, finishedAt: finished, exitCode, reason },
  previous: undefined,
  restartCount: 0,
});
const notStarted = (name: string): ContainerView => ({
  name,
  image: 'i',
  id: undefined,
  state: undefined,
  previous: undefined,
  restartCount: 0,
});

describe('podPhase', () => {
  it('follows Kubernetes: Pending until started, Running while any runs, then by restartPolicy', () => {
    expect(podPhase(pod('Always', ['a', 'b']), [running('a'), notStarted('b')])).toBe('Pending');
    expect(podPhase(pod('Always'), [running('a')])).toBe('Running');
    expect(podPhase(pod('Always'), [exited('a', 0)])).toBe('Running');
    expect(podPhase(pod('Never'), [exited('a', 0)])).toBe('Succeeded');
    expect(podPhase(pod('Never'), [exited('a', 1)])).toBe('Failed');
    expect(podPhase(pod('OnFailure'), [exited('a', 1)])).toBe('Running');
    expect(podPhase(pod('OnFailure'), [exited('a', 0)])).toBe('Succeeded');
    expect(podPhase(pod('Never', ['a', 'b']), [exited('a', 0), running('b')])).toBe('Running');
  });
});

describe('computePodStatus', () => {
  it('reports OOMKilled with exit code 137 and a not-ready pod', () => {
    const s = computePodStatus(pod('Never'), [exited('a', 137, 'OOMKilled')], '10.0.0.1', '2026-01-01T00:00:00Z');
    expect(s.phase).toBe('Failed');
    expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });
  it('is Ready when every container runs, and detects changes', () => {
    const p = pod('Always');
    const s = computePodStatus(p, [running('a')], '10.0.0.1', '2026-01-01T00:00:00Z');
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(statusChanged(undefined, s)).toBe(true);
    expect(statusChanged(s, computePodStatus({ ...p, status: s }, [running('a')], '10.0.0.1', '2026-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('expandVars', () => {
  it('expands $(VAR) from the env and keeps $$ as $', () => {
    expect(expandVars('echo $(A) $(B) $$(A)', { A: 'x' })).toBe('echo x $(B) $(A)');
  });
});
