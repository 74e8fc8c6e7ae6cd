// A V8 CPU profile of this process over a window (node:inspector), and a
// summary of where the samples went: by area (first-party package, NATS
// client, Node internals, GC) and by the nearest first-party function.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

/** Starts sampling the main thread every `intervalUs` µs. */
export async function startProfile(intervalUs = 200) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    /** Stops, writes the .cpuprofile (open it in Chrome DevTools) and returns the profile. */
    async stop(path) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(path, JSON.stringify(profile));
      return profile;
    },
  };
}

const FIRST_PARTY = /\/packages\/([a-z-]+)\/(?:dist|src)\//;

/** The area a frame belongs to. */
function areaOf(frame) {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return 'V8 builtins';
  }
  const own = FIRST_PARTY.exec(url);
  if (own !== null) return `@skiff/${own[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return pkg[1];
  if (url.startsWith('node:internal/deps/undici') || url.includes('undici')) return 'undici (fetch)';
  if (url.startsWith('node:') || url.startsWith('internal/')) return 'Node internals';
  return 'other';
}

/**
 * Summarises a profile: total sampled ms; self time per area; and time per
 * first-party function, each sample charged to the nearest first-party frame
 * on its stack (so a function's JSON.parse, fetch and NATS calls count for it).
 */
export function summarize(profile, top = 20) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const deltas = profile.timeDeltas ?? [];
  profile.samples.forEach((id, k) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[k + 1] ?? deltas[k] ?? 0)));
  let total = 0;
  const areas = new Map();
  const owners = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    total += us;
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    if (area === 'idle') continue;
    let at = node;
    while (at !== undefined && !FIRST_PARTY.test(at.callFrame.url)) at = byId.get(parent.get(at.id));
    const key =
      at === undefined
        ? `(no first-party frame) ${areaOf(node.callFrame)}`
        : `${at.callFrame.functionName || '(anonymous)'} ${at.callFrame.url.replace(/^.*\/packages\//, '')}:${at.callFrame.lineNumber + 1}`;
    owners.set(key, (owners.get(key) ?? 0) + us);
  }
  const ms = (us) => us / 1000;
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: ms(total),
    areas: sorted(areas).map(([area, us]) => ({ area, ms: ms(us), share: us / total })),
    functions: sorted(owners)
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: ms(us), share: us / total })),
  };
}
