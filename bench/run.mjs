#!/usr/bin/env node
// Runs one benchmark suite (`npm run bench -- NAME`) or lists them. Each suite
// prints a table and one JSON line per figure:
// {"bench":"scheduler-core","metric":"...","value":1.23,"unit":"us/pod"}
// Suites import the built packages: run `npm run setup` first.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(join(here, 'suites'))
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .sort();
const name = process.argv[2];
if (name === undefined || !suites.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME\nsuites: ${suites.join(', ')}\n`);
  process.exit(name === undefined ? 0 : 2);
}
const suite = await import(join(here, 'suites', `${name}.mjs`));
await suite.run(process.argv.slice(3));
