import { createRequire } from 'node:module';

import type * as NodeAgent from '@skiff/node-agent';

import type { CgroupStatsReader } from './contract.js';

const require = createRequire(import.meta.url);

let addon: typeof NodeAgent | undefined;
let loadError: unknown;

/**
 * Loads `@skiff/node-agent` on first use (so the TS reader works without a native build).
 * Throws an Error naming the build command when the addon is missing or fails to load.
 */
export function loadNodeAgent(): typeof NodeAgent {
  if (addon !== undefined) return addon;
  if (loadError === undefined) {
    try {
      addon = require('@skiff/node-agent') as typeof NodeAgent;
      return addon;
    } catch (err) {
      loadError = err;
    }
  }
  throw new Error(
    'native cgroup stats reader unavailable: cannot load @skiff/node-agent ' +
      '(build it with `npm run build --workspace native/node-agent`)',
    { cause: loadError },
  );
}

/** True when the native addon loads; never throws. */
export function nativeCgroupStatsAvailable(): boolean {
  try {
    loadNodeAgent();
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the native (C++) reader: the addon's CgroupStatsReader class implements the contract
 * directly, so it is returned unwrapped (no extra JS layer per call). Throws when the addon is not built.
 */
export function createNativeCgroupStatsReader(): CgroupStatsReader {
  const { CgroupStatsReader: NativeReader } = loadNodeAgent();
  return new NativeReader();
}
