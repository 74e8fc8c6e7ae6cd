/**
 * Cgroup statistics for the kubelet: one contract (contract.ts), two implementations —
 * native C++ (`@skiff/node-agent`) and a TypeScript twin — that must agree.
 */
import type { CgroupStatsReader, CgroupStatsReaderKind } from './contract.js';
import { createNativeCgroupStatsReader } from './native-reader.js';
import { TsCgroupStatsReader } from './ts-reader.js';

export type { CgroupPaths, CgroupStats, CgroupStatsReader, CgroupStatsReaderKind } from './contract.js';
export { TsCgroupStatsReader } from './ts-reader.js';
export { createNativeCgroupStatsReader, nativeCgroupStatsAvailable } from './native-reader.js';
export { measureStatsReaders } from './measure.js';

/**
 * Creates a reader of the given kind. 'native' throws when the addon is not built
 * (check nativeCgroupStatsAvailable() first to fall back to 'ts').
 */
export function createCgroupStatsReader(kind: CgroupStatsReaderKind): CgroupStatsReader {
  switch (kind) {
    case 'native':
      return createNativeCgroupStatsReader();
    case 'ts':
      return new TsCgroupStatsReader();
    default:
      throw new TypeError(`unknown cgroup stats reader kind: ${String(kind)}`);
  }
}
