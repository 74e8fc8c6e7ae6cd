// Reads a V8 CPU profile (`node --cpu-prof`) of the apiserver and says where
// its time went: by leaf category (JSON, NATS client, HTTP, GC, ...) and by the
// innermost Skiff function on the stack (watch.ts:encode, event-publisher.ts:publish, ...).
import { readFileSync } from 'node:fs';

/** The category of a leaf frame. */
function leafCategory(frame) {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native (program)';
  if (url === '' && (fn === 'stringify' || fn === 'parse')) return 'JSON';
  if (url === '' && (fn === 'structuredClone' || fn === 'serialize' || fn === 'deserialize')) return 'structuredClone';
  if (url.includes('@nats-io/')) return 'NATS client';
  if (/node:_http|node:http/.test(url)) return 'node http';
  if (/node:net|node:stream|node:internal\/streams|node:internal\/stream_base|node:buffer|node:internal\/buffer/.test(url))
    return 'node net/streams';
  if (url.includes('prom-client')) return 'prom-client';
  if (url.includes('@opentelemetry')) return 'OpenTelemetry';
  if (url.includes('pino')) return 'pino';
  if (url.includes('/packages/') && !url.includes('node_modules')) return 'Skiff code';
  if (url.startsWith('node:')) return 'node other';
  if (url === '') return `builtin ${fn || '(anonymous)'}`;
  return 'other JS';
}

/** The innermost Skiff frame's label: `file.js:function`. */
function skiffLabel(frame) {
  const m = /\/packages\/([^/]+)\/dist\/(.+)$/.exec(frame.url);
  if (m === null || frame.url.includes('node_modules')) return undefined;
  return `${m[1]}/${m[2]}:${frame.functionName || '(anonymous)'}`;
}

/** Now on the clock V8 stamps profiles with (CLOCK_MONOTONIC, µs), for a window of summarizeProfile. */
export function profileClockUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time per leaf category and per innermost Skiff frame, in ms and as
 * shares of busy time; only samples within [fromUs, toUs] (profileClockUs()
 * values) when a window is given, so start-up does not count.
 */
export function summarizeProfile(file, window = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const from = window.fromUs ?? -Infinity;
  const to = window.toUs ?? Infinity;
  let at = profile.startTime;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const leaf = new Map();
  const owner = new Map();
  const ownerLeaf = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) return;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (node === undefined) return;
    const cat = leafCategory(node.callFrame);
    total += dt;
    if (cat === 'idle') {
      idle += dt;
      return;
    }
    leaf.set(cat, (leaf.get(cat) ?? 0) + dt);
    let label;
    for (let cur = id; cur !== undefined && label === undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n !== undefined) label = skiffLabel(n.callFrame);
    }
    label ??= cat === 'GC' || cat === 'V8/native (program)' ? cat : `(no Skiff frame) ${cat}`;
    owner.set(label, (owner.get(label) ?? 0) + dt);
    const key = `${label}\u0000${cat}`;
    ownerLeaf.set(key, (ownerLeaf.get(key) ?? 0) + dt);
  });
  const busy = total - idle;
  const rows = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, share: ms / busy }));
  // The two biggest leaf categories under each owner, for "JSON inside watch.ts:encode".
  const detail = (label) =>
    [...ownerLeaf.entries()]
      .filter(([k]) => k.startsWith(`${label}\u0000`))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, ms]) => `${k.split('\u0000')[1]} ${((100 * ms) / busy).toFixed(0)}%`)
      .join(', ');
  return { totalMs: total, busyMs: busy, leaf: rows(leaf), owners: rows(owner).map((r) => ({ ...r, detail: detail(r.name) })) };
}
