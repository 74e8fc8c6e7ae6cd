import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type Event } from '@skiff/api';
import { EventRecorder } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t.stop();
});

/** The default namespace's events with this reason, once there are `count` of them (or after 60 s). */
async function eventsWithReason(reason: string, count: number): Promise<Event[]> {
  const end = Date.now() + 60_000;
  let events: Event[] = [];
  while (Date.now() < end) {
    events = (await t.client.list<Event>(EVENTS, { namespace: 'default' })).items.filter((e) => e.reason === reason);
    if (events.length >= count) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return events;
}

describe('EventRecorder', () => {
  it("sends one object's events one at a time, in order, and drops what finds its queue full", async () => {
    const recorder = new EventRecorder(t.client, 'test-recorder', silentLogger());
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' } };
    // One goes out at once, 1,000 wait in the queue, the last 10 are dropped.
    for (let i = 0; i < 1011; i++) recorder.record(pod, 'Normal', 'Tested', `event ${i}`);
    expect(recorder.droppedEvents).toBe(10);
    const events = await eventsWithReason('Tested', 1001);
    expect(events).toHaveLength(1001);
    const order = events
      .sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion))
      .map((e) => Number(/event (\d+)/.exec(e.message ?? '')?.[1]));
    expect(order).toEqual(Array.from({ length: 1001 }, (_, i) => i));
  }, 90_000);

  it("writes events of different objects side by side, each object's in order", async () => {
    const recorder = new EventRecorder(t.client, 'test-recorder', silentLogger());
    const pods = Array.from({ length: 20 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `side-${i}`, namespace: 'default', uid: `side-${i}` },
    }));
    for (let round = 0; round < 3; round++) for (const pod of pods) recorder.record(pod, 'Normal', 'Sided', `round ${round}`);
    const events = await eventsWithReason('Sided', 60);
    expect(events).toHaveLength(60);
    events.sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion));
    for (const pod of pods) {
      const rounds = events.filter((e) => e.involvedObject?.name === pod.metadata.name).map((e) => e.message);
      expect(rounds).toEqual(['round 0', 'round 1', 'round 2']);
    }
  }, 90_000);
});
