// Writes every dashboard to dashboards/<uid>.json from the compiled builders
// (dashboards/src, compiled to dashboards/dist, which git ignores):
//   npx tsc -p dashboards/src && node dashboards/generate.mjs
// Run it after changing a builder: test/e2e/dashboards.test.ts fails while a
// committed file differs from what the builders generate.
import { writeDashboards } from './dist/index.js';

for (const path of await writeDashboards(new URL('.', import.meta.url))) process.stdout.write(`wrote ${path}\n`);
