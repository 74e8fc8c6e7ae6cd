import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '@skiff/client';
import { silentLogger } from '@skiff/telemetry';
import { startTestApi, type TestApi } from '../../../test/support/apiserver.js';
import { waitFor } from '../../../test/support/cluster.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t.stop();
});

function candidate(identity: string, leading: Set<string>): LeaderElector {
  return new LeaderElector({
    client: t.client,
    logger: silentLogger(),
    name: 'test-lock',
    identity,
    leaseDurationSeconds: 2,
    renewDeadlineMs: 1500,
    retryPeriodMs: 100,
    onStartedLeading: (signal) => {
      leading.add(identity);
      signal.addEventListener('abort', () => leading.delete(identity));
    },
  });
}

describe('LeaderElector', () => {
  it('elects exactly one of two candidates, and hands over when the leader stops', async () => {
    const leading = new Set<string>();
    const a = candidate('a', leading);
    const b = candidate('b', leading);
    a.start();
    b.start();
    await waitFor('a leader', () => leading.size === 1, 5000);
    // Stays exactly one over several renew periods.
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(leading.size).toBe(1);
    }
    const [first] = [...leading];
    const [leader, other] = first === 'a' ? [a, b] : [b, a];
    await leader.stop();
    await waitFor('the other to take over', () => other.isLeader, 5000);
    expect(leading.size).toBe(1);
    await other.stop();
  });

  it('takes over an expired lease from a holder that stopped renewing', async () => {
    const leading = new Set<string>();
    const ghost = candidate('ghost', leading);
    // The ghost takes the free lease once and never renews it.
    expect(await ghost.tryAcquireOrRenew()).toBe(true);
    const c = candidate('c', leading);
    c.start();
    await new Promise((r) => setTimeout(r, 800));
    expect(c.isLeader).toBe(false);
    await waitFor('c to lead after the lease expires', () => c.isLeader, 8000);
    await c.stop();
  });
});
