// Shared output for benchmark suites: a table for people, JSON lines for tools.
import os from 'node:os';

/** Prints one figure as a JSON line. */
export function figure(bench, metric, value, unit) {
  process.stdout.write(`${JSON.stringify({ bench, metric, value: Number(value.toFixed(3)), unit })}\n`);
}

/** Prints a table from rows of equal keys. */
export function table(rows) {
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(keys)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) process.stdout.write(`${line(keys.map((k) => r[k]))}\n`);
}

/** One line naming the machine, for bench/README.md. */
export function machine() {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}`;
}
