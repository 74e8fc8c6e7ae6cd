// A V8 CPU profile of this process over a window (node:inspector), and a
// summary of where the samples went: by area (first-party package, NATS
// client, Node internals, GC) and by the nearest first-party function.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

/**
 * Starts sampling the main thread every `intervalUs` µs; with `heap`, also V8's sampling heap
 * profiler counting every allocation (also what GC collected), written beside the CPU profile.
 */
export async function startProfile(intervalUs = 200, heap = false) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  if (heap) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  return {
    /**
     * Stops, writes the .cpuprofile (open it in Chrome DevTools) and returns the profile;
     * with `heap` also the .heapprofile beside it, as `profile.heap`.
     */
    async stop(path) {
      let heapProfile;
      if (heap) {
        heapProfile = (await session.post('HeapProfiler.stopSampling')).profile;
        writeFileSync(path.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heapProfile));
      }
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(path, JSON.stringify(profile));
      return heapProfile === undefined ? profile : { ...profile, heap: heapProfile };
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

/** The functions that allocated most in a sampling heap profile: bytes and share of the total. */
export function summarizeHeap(profile, top = 15) {
  const bytes = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/.*node_modules\//, '').replace(/.*\/packages\//, '');
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    if (node.selfSize > 0) bytes.set(fn, (bytes.get(fn) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const functions = [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, b]) => ({ fn, mb: b / 1e6, share: b / total }));
  return { totalMb: total / 1e6, functions };
}
