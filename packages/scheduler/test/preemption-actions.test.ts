/**
 * The API side of preemption against a real apiserver (nats-server + apiserver in process):
 * nominations from informer updates as upstream's nominator treats them, the writes of a
 * preemption, and when the preemptor may try again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, PODS, PRIORITYCLASSES, type Pod } from '@skiff/api';
import { ApiClient, EventRecorder } from '@skiff/client';
import { ClusterState, createSchedulerCore, Nominator, PreemptionActions } from '@skiff/scheduler';
import { Registry } from 'prom-client';
import { silentLogger } from '@skiff/telemetry';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

function pending(nominated?: string): Pod {
  return {
    metadata: { name: 'p', namespace: 'default' },
    spec: { priorityClassName: 'ten', priority: 10, containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Pending', ...(nominated === undefined ? {} : { nominatedNodeName: nominated }) },
  };
}

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  // Priority admission resolves spec.priority from the class: the pods name one of value 10.
  await t.client.create(PRIORITYCLASSES, '', {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'ten' },
    value: 10,
  });
});
afterAll(async () => {
  await t?.stop();
});

function actions(
  state = new ClusterState(createSchedulerCore('ts')),
  registry = new Registry(),
): { nominator: Nominator; preemption: PreemptionActions } {
  const client: ApiClient = t.client;
  const nominator = new Nominator();
  const preemption = new PreemptionActions({
    client,
    recorder: new EventRecorder(client, 'default-scheduler', silentLogger()),
    state,
    nominator,
    logger: silentLogger(),
    schedulerName: 'default-scheduler',
    metrics: registry,
  });
  return { nominator, preemption };
}

describe('nominations from informer updates', () => {
  it('follows nominatedNodeName when it is set, changed or removed', () => {
    const { nominator, preemption } = actions();
    preemption.observe(pending('n1'));
    expect(nominator.nodeOf('default/p')).toBe('n1');
    preemption.observe(pending('n2'), pending('n1'));
    expect(nominator.nodeOf('default/p')).toBe('n2');
    preemption.observe(pending(), pending('n2'));
    expect(nominator.nodeOf('default/p')).toBeUndefined();
  });

  it('keeps an in-memory nomination through updates that never carried one (the write is in flight)', () => {
    const { nominator, preemption } = actions();
    nominator.nominate('default/p', pending(), 'n1', { requests: new Map(), nonZeroMilliCpu: 0, nonZeroMemoryBytes: 0, ports: [] });
    preemption.observe(pending(), pending());
    expect(nominator.nodeOf('default/p')).toBe('n1');
    expect(preemption.preemptionInProgress(pending())).toBe(false);
  });
});

function running(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'n1', priority: 0, containers: [{ name: 'c', image: 'x' }] },
  };
}

describe('a preemption', () => {
  it('nominates, marks and deletes the victim with a Preempted event, and holds the preemptor until the victim is gone', async () => {
    const state = new ClusterState(createSchedulerCore('ts'));
    const victim = await t.client.create<Pod>(PODS, 'default', running('victim-a'));
    const preemptor = await t.client.create<Pod>(PODS, 'default', {
      ...pending(),
      metadata: { name: 'preemptor-a', namespace: 'default' },
    });
    state.observePod(victim);
    const registry = new Registry();
    const { nominator, preemption } = actions(state, registry);
    preemption.attempted();
    preemption.preempt(preemptor, 'n1', [victim]);
    const text = await registry.metrics();
    expect(text).toMatch(/scheduler_preemption_attempts_total 1/);
    expect(text).toMatch(/scheduler_preemption_victims_bucket\{le="1"\} 1/);
    expect(nominator.nodeOf('default/preemptor-a')).toBe('n1');
    expect(preemption.preemptionInProgress(preemptor)).toBe(true);
    await preemption.drain();
    const marked = await t.client.get<Pod>(PODS, 'default', 'victim-a');
    // Bound, so deletion is graceful: the kubelet would finish it.
    expect(marked.metadata?.deletionTimestamp).toBeDefined();
    const condition = marked.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    expect(condition).toMatchObject({ status: 'True', reason: 'PreemptionByScheduler' });
    expect((await t.client.get<Pod>(PODS, 'default', 'preemptor-a')).status?.nominatedNodeName).toBe('n1');
    const deadline = Date.now() + 20_000;
    let events: Array<{ reason?: string; message?: string; involvedObject?: { name?: string } }> = [];
    while (Date.now() < deadline && !events.some((e) => e.reason === 'Preempted')) {
      const list = await t.client.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=victim-a' });
      events = list.items as typeof events;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(events.find((e) => e.reason === 'Preempted')?.message).toBe(`Preempted by pod ${preemptor.metadata?.uid} on node n1`);
    // Terminating still counts; gone does not.
    state.observePod(marked);
    expect(preemption.preemptionInProgress(preemptor)).toBe(true);
    state.deletePod(marked);
    expect(preemption.preemptionInProgress(preemptor)).toBe(false);
  });

  it('lets the preemptor try again when a victim cannot be evicted', async () => {
    const state = new ClusterState(createSchedulerCore('ts'));
    const victim = await t.client.create<Pod>(PODS, 'default', running('victim-b'));
    state.observePod(victim);
    const { preemption } = actions(state);
    // A stale uid: the delete's precondition fails (409), as for a pod replaced under the same name.
    const stale = { ...victim, metadata: { ...victim.metadata, uid: 'not-the-uid' } };
    preemption.preempt(pending(), 'n1', [stale]);
    await preemption.drain();
    expect((await t.client.get<Pod>(PODS, 'default', 'victim-b')).metadata?.deletionTimestamp).toBeUndefined();
    expect(preemption.preemptionInProgress(pending())).toBe(false);
  });
});
