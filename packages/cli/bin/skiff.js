#!/usr/bin/env node
// The `skiff` command. Telemetry starts before any component module loads.
import { startTracing, SamplingConfigError } from '@skiff/telemetry';

const command = process.argv[2] ?? 'help';
let tracing;
try {
  tracing = startTracing(`skiff-${command}`);
} catch (err) {
  if (!(err instanceof SamplingConfigError)) throw err;
  process.stderr.write(`skiff: ${err.message}\n`);
  process.exit(2);
}
const { main } = await import('../dist/main.js');
const code = await main(process.argv.slice(2));
await tracing.shutdown();
process.exit(code);
