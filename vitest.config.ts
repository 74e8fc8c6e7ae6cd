import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const packages = ['api', 'telemetry', 'store', 'client', 'apiserver', 'scheduler', 'kubelet', 'controller-manager', 'cli'];
/** Tests import each workspace package from its TypeScript source, so no build is needed first. */
const alias = Object.fromEntries(
  packages.map((p) => [`@skiff/${p}`, fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url))]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    // One test file at a time: the end-to-end suites start whole clusters, and these machines have 2 cores.
    fileParallelism: false,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
