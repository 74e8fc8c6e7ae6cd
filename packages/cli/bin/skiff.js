#!/usr/bin/env node
// The `skiff` command. Telemetry starts before any component module loads.
import { startTracing } from '@skiff/telemetry';

const command = process.argv[2] ?? 'help';
const tracing = startTracing(`skiff-${command}`);
const { main } = await import('../dist/main.js');
const code = await main(process.argv.slice(2));
await tracing.shutdown();
process.exit(code);
