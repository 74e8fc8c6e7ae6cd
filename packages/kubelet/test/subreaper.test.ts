/**
 * The kubelet as a child subreaper, with real processes: an orphan of a detached process tree (what a
 * container's shim is) is re-parented to this process and reaped once it exits; children this process
 * spawned itself keep their exit status for libuv. The test process stops being a subreaper afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptedOrphanZombies, readProcStat, Subreaper } from '../src/runtime/index.js';
import { loadNodeAgent, nativeCgroupStatsAvailable } from '../src/stats/native-reader.js';
import { until } from './support/until.js';

const native = nativeCgroupStatsAvailable();
let reaper: Subreaper | undefined;

afterEach(() => {
  reaper?.stop();
  reaper = undefined;
  if (native) expect(loadNodeAgent().isChildSubreaper()).toBe(false);
});

describe.skipIf(!native)('Subreaper', () => {
  it('adopts an orphan of a detached process tree and reaps it when it exits', async () => {
    reaper = new Subreaper({ calls: loadNodeAgent(), intervalMs: 50 });
    reaper.start();
    expect(loadNodeAgent().isChildSubreaper()).toBe(true);
    // The detached shell (a session leader, as a shim is) starts a child and exits: the child is orphaned.
    const leader = spawn('sh', ['-c', 'sleep 1 & echo $!'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const orphan = Number(await new Promise<string>((resolve) => leader.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    await new Promise((r) => leader.once('exit', r));
    // Re-parented to this process (not init), in the leader's session.
    const adopted = await until(() => {
      const st = readProcStat(orphan);
      return st?.ppid === process.pid ? st : undefined;
    });
    expect(adopted.session).toBe(leader.pid);
    // Once it exits it is reaped: no zombie left.
    await until(() => !existsSync(`/proc/${orphan}`));
    expect(reaper.reaped).toBeGreaterThanOrEqual(1);
    expect(adoptedOrphanZombies()).toEqual([]);
  });

  it('leaves the exit status of its own children to libuv', async () => {
    reaper = new Subreaper({ calls: loadNodeAgent(), intervalMs: 1 });
    reaper.start();
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const child = spawn('sh', ['-c', `exit ${i + 1}`], { detached: i % 2 === 0, stdio: 'ignore' });
        return new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      }),
    );
    expect(codes).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
