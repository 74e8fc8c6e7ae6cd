/** `skiff controller-manager`'s node lifecycle flags: Go-style durations and clear usage errors. */
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../src/commands/controller-manager.js';
import { UsageError } from '../src/flags.js';

describe('controller-manager flags', () => {
  it('reads durations as Kubernetes writes them', () => {
    expect(parseDurationMs('40s', 'node-monitor-grace-period')).toBe(40_000);
    expect(parseDurationMs('500ms', 'node-monitor-period')).toBe(500);
    expect(parseDurationMs('1m30s', 'x')).toBe(90_000);
    expect(parseDurationMs('1.5s', 'x')).toBe(1500);
  });

  it('rejects anything else with a usage error naming the flag', () => {
    for (const bad of ['40', 's', '10x', '5s junk', '']) {
      expect(() => parseDurationMs(bad, 'node-monitor-grace-period')).toThrow(UsageError);
    }
    expect(() => parseDurationMs('forty', 'node-monitor-grace-period')).toThrow(/--node-monitor-grace-period: "forty" is not a duration/);
  });
});
