/**
 * The process runtime with real processes and cgroups (no mocks). Each runtime uses a temp state dir and
 * a unique cgroup root `skiff-test-<random>`; afterAll closes the runtimes, removes the cgroup roots
 * (SIGKILLing anything still in them, shims included) and deletes the temp dirs, also after failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupManager, detectCgroupLayout, type CgroupLayout } from '../src/cgroups/index.js';
import {
  ContainerNotFoundError,
  detectNamespaces,
  helperProcessCount,
  ProcessRuntime,
  type ContainerConfig,
  type ContainerLimits,
  type ContainerState,
} from '../src/runtime/index.js';
import { exitOf, until } from './support/until.js';

const layout = detectCgroupLayout();
const tempDirs: string[] = [];
const managers: CgroupManager[] = [];
const runtimes: ProcessRuntime[] = [];
const children: ChildProcess[] = [];

function setup(l: CgroupLayout = layout): { rootDir: string; cgroups: CgroupManager; runtime: ProcessRuntime } {
  const rootDir = mkdtempSync(join(tmpdir(), 'skiff-rt-'));
  tempDirs.push(rootDir);
  const cgroups = new CgroupManager(l, { rootName: `skiff-test-${randomBytes(4).toString('hex')}` });
  managers.push(cgroups);
  return { rootDir, cgroups, runtime: open(rootDir, cgroups) };
}

function open(rootDir: string, cgroups: CgroupManager): ProcessRuntime {
  const rt = new ProcessRuntime({ rootDir, cgroups, pollIntervalMs: 100 });
  runtimes.push(rt);
  return rt;
}

function config(argv: string[], limits: ContainerLimits = {}, podUid: string = randomUUID()): ContainerConfig {
  return { podUid, podNamespace: 'default', podName: 'p', containerName: 'app', argv, env: {}, limits };
}

afterAll(async () => {
  for (const rt of runtimes) await rt.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const m of managers) await m.removeRoot();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  for (const m of managers) for (const d of m.rootDirs()) expect(existsSync(d)).toBe(false);
}, 30_000);

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('ProcessRuntime', () => {
  it('runs a container, logs its output, stops it within the grace period', async () => {
    const { runtime, cgroups } = setup();
    const exits: Array<[string, ContainerState]> = [];
    runtime.onExit((id, state) => exits.push([id, state]));
    const cfg = config(['sh', '-c', 'echo hello; sleep 30']);
    const id = await runtime.startContainer(cfg);
    const state = runtime.containerState(id);
    expect(state?.state).toBe('running');
    const pid = (state as { pid: number }).pid;
    const cg = cgroups.containerCgroup(cfg.podUid, 'app');
    expect(cgroups.pids(cg)).toContain(pid);
    await until(async () => (await runtime.readLog(cfg.podUid, 'app')).includes('hello'));
    expect(runtime.listContainers().map((c) => c.id)).toEqual([id]);

    const t0 = Date.now();
    await runtime.stopContainer(id, 2);
    expect(Date.now() - t0).toBeLessThan(1500);
    const exited = runtime.containerState(id);
    expect(exited).toMatchObject({ state: 'exited', pid, exitCode: 143, signal: 'SIGTERM', reason: 'Error' });
    expect(cgroups.pids(cg)).toEqual([]);
    await until(() => exits.length === 1);
    expect(exits[0]?.[0]).toBe(id);
    expect(await runtime.readLog(cfg.podUid, 'app')).toEqual(['hello']);
    const [line] = await runtime.readLog(cfg.podUid, 'app', { timestamps: true });
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z hello$/);
  });

  it('SIGKILLs a container that ignores SIGTERM after the grace period', async () => {
    const { runtime, cgroups } = setup();
    const cfg = config(['sh', '-c', 'trap "" TERM; echo ready; sleep 30; echo never']);
    const id = await runtime.startContainer(cfg);
    await until(async () => (await runtime.readLog(cfg.podUid, 'app')).includes('ready'));
    const t0 = Date.now();
    await runtime.stopContainer(id, 1);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(3000);
    expect(runtime.containerState(id)).toMatchObject({ state: 'exited', exitCode: 137, signal: 'SIGKILL', reason: 'Error' });
    expect(cgroups.pids(cgroups.containerCgroup(cfg.podUid, 'app'))).toEqual([]);
  });

  it('reports exit codes: 3 is Error, 0 is Completed, each exit once', async () => {
    const { runtime } = setup();
    const exits: string[] = [];
    runtime.onExit((id) => exits.push(id));
    const a = await runtime.startContainer(config(['sh', '-c', 'exit 3']));
    const b = await runtime.startContainer(config(['sh', '-c', 'exit 0']));
    expect(await exitOf(runtime, a)).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect((await exitOf(runtime, a)).signal).toBeUndefined();
    expect(await exitOf(runtime, b)).toMatchObject({ exitCode: 0, reason: 'Completed' });
    await until(() => exits.length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(exits.sort()).toEqual([a, b].sort());
  });

  it('reports OOMKilled when the memory cgroup kills the process', async () => {
    const { runtime } = setup();
    const cfg = config(['python3', '-c', 'b=bytearray(200*1024*1024); import time; time.sleep(5)'], {
      memoryLimitBytes: 32 * 1024 * 1024,
    });
    const id = await runtime.startContainer(cfg);
    expect(await exitOf(runtime, id)).toMatchObject({ exitCode: 137, signal: 'SIGKILL', reason: 'OOMKilled' });
  });

  it('writes cpu, memory and pids limits into the cgroup', async () => {
    const { runtime, cgroups } = setup();
    const cfg = config(['sleep', '30'], { cpuLimitMilli: 500, cpuRequestMilli: 250, memoryLimitBytes: 100 << 20, pidsLimit: 5 });
    const id = await runtime.startContainer(cfg);
    const cg = cgroups.containerCgroup(cfg.podUid, 'app');
    // Once argv runs, no signal is ignored or blocked in it (a background `&` job of the shim would ignore INT and QUIT).
    const pid = (runtime.containerState(id) as { pid: number }).pid;
    await until(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u000030\u0000');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/SigIgn:\s+0+\n/);
    expect(status).toMatch(/SigBlk:\s+0+\n/);
    expect(cgroups.pids(cg)).toContain(pid);
    const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8').trim();
    if (cg.version === 1) {
      expect(read(cg.cpuDir, 'cpu.cfs_quota_us')).toBe('50000');
      expect(read(cg.cpuDir, 'cpu.cfs_period_us')).toBe('100000');
      expect(read(cg.cpuDir, 'cpu.shares')).toBe('256');
      expect(read(cg.memoryDir, 'memory.limit_in_bytes')).toBe(String(100 << 20));
    } else {
      expect(read(cg.cpuDir, 'cpu.max')).toBe('50000 100000');
      expect(read(cg.memoryDir, 'memory.max')).toBe(String(100 << 20));
    }
    // The shim (and, when isolated, unshare and the namespace's init) live in the container's cgroup too.
    if (cg.pidsDir !== undefined) expect(read(cg.pidsDir, 'pids.max')).toBe(String(5 + helperProcessCount(detectNamespaces())));
    await runtime.stopContainer(id, 0);
  });

  it('passes env and working directory; rejects a missing executable without leaving anything', async () => {
    const { runtime, rootDir, cgroups } = setup();
    const cfg = { ...config(['sh', '-c', 'echo "$GREETING $HOSTNAME $(pwd)"']), env: { GREETING: 'hi' }, workingDir: '/tmp' };
    const id = await runtime.startContainer(cfg);
    await exitOf(runtime, id);
    expect(await runtime.readLog(cfg.podUid, 'app')).toEqual(['hi p /tmp']);

    const bad = config(['no-such-command-xyz']);
    await expect(runtime.startContainer(bad)).rejects.toThrow(/not found in \$PATH/);
    await expect(runtime.startContainer({ ...config(['true']), workingDir: '/no/such/dir' })).rejects.toThrow(/working directory/);
    expect(existsSync(join(rootDir, 'pods', bad.podUid))).toBe(false);
    for (const d of cgroups.podCgroup(bad.podUid).dirs) expect(existsSync(d)).toBe(false);
    expect(() => runtime.containerState('nope')).not.toThrow();
    await expect(runtime.stopContainer('nope', 1)).rejects.toThrow(ContainerNotFoundError);
  });

  it('cleans up after a shim that exits before starting the container', async () => {
    const { rootDir, cgroups } = setup();
    const rt = new ProcessRuntime({ rootDir, cgroups, shell: '/bin/false' });
    runtimes.push(rt);
    const cfg = config(['sleep', '30']);
    await expect(rt.startContainer(cfg)).rejects.toThrow(/shim exited with code 1/);
    expect(readdirSync(join(rootDir, 'pods', cfg.podUid))).toEqual([]);
    for (const d of cgroups.containerCgroup(cfg.podUid, 'app').dirs) expect(existsSync(d)).toBe(false);
    expect(rt.listContainers()).toEqual([]);
  });

  it('restarts a container as a new attempt and keeps the previous log', async () => {
    const { runtime } = setup();
    const podUid = randomUUID();
    const first = await runtime.startContainer(config(['sh', '-c', 'echo one'], {}, podUid));
    await exitOf(runtime, first);
    const second = await runtime.startContainer(config(['sh', '-c', 'echo two; sleep 30'], {}, podUid));
    expect(second).not.toBe(first);
    await expect(runtime.startContainer(config(['true'], {}, podUid))).rejects.toThrow(/running/);
    await until(async () => (await runtime.readLog(podUid, 'app')).includes('two'));
    expect(await runtime.readLog(podUid, 'app', { previous: true })).toEqual(['one']);
    await runtime.stopContainer(second, 1);
    await runtime.removeContainer(first);
    expect(runtime.containerState(second)?.state).toBe('exited');
    await runtime.removePod(podUid);
    expect(runtime.listContainers()).toEqual([]);
  });

  it('follows a log until the container exits; tails', async () => {
    const { runtime } = setup();
    const cfg = config(['sh', '-c', 'echo a; echo b; sleep 0.4; echo c; printf d; sleep 0.3']);
    await runtime.startContainer(cfg);
    const lines: string[] = [];
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 10_000);
    for await (const l of runtime.followLog(cfg.podUid, 'app', { signal: ac.signal })) lines.push(l);
    clearTimeout(timer);
    expect(lines).toEqual(['a', 'b', 'c', 'd']);
    expect(await runtime.readLog(cfg.podUid, 'app', { tailLines: 2 })).toEqual(['c', 'd']);
    expect(await runtime.readLog(cfg.podUid, 'app', { tailLines: 0 })).toEqual([]);
  });

  it('reads the tail of a log larger than one read chunk', async () => {
    const { runtime } = setup();
    const cfg = config(['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done']);
    const id = await runtime.startContainer(cfg);
    expect(await exitOf(runtime, id)).toMatchObject({ reason: 'Completed' });
    const all = await runtime.readLog(cfg.podUid, 'app');
    expect(all).toHaveLength(20000);
    expect(all[12345]).toBe('line12345');
    expect(await runtime.readLog(cfg.podUid, 'app', { tailLines: 3 })).toEqual(['line19997', 'line19998', 'line19999']);
    expect(await runtime.readLog(cfg.podUid, 'app', { tailLines: 15000 })).toEqual(all.slice(5000));
  });

  it('stops following when the signal fires', async () => {
    const { runtime } = setup();
    const cfg = config(['sh', '-c', 'echo x; sleep 30']);
    const id = await runtime.startContainer(cfg);
    const ac = new AbortController();
    const lines: string[] = [];
    // Abort shortly after the first line arrives (however slowly the shim starts on a loaded machine);
    // the safety abort only ends a follow that never saw its line.
    const safety = setTimeout(() => ac.abort(), 15_000);
    const started = Date.now();
    for await (const l of runtime.followLog(cfg.podUid, 'app', { signal: ac.signal })) {
      lines.push(l);
      if (lines.length === 1) setTimeout(() => ac.abort(), 200);
    }
    clearTimeout(safety);
    expect(lines).toEqual(['x']);
    expect(Date.now() - started).toBeLessThan(15_000);
    await runtime.stopContainer(id, 1);
  });

  it('recovers running containers in a new runtime and sees their later exit', async () => {
    const { runtime: a, rootDir, cgroups } = setup();
    const cfg = config(['sleep', '30']);
    const id = await a.startContainer(cfg);
    const pid = (a.containerState(id) as { pid: number }).pid;
    await a.close();

    const b = open(rootDir, cgroups);
    expect(b.listContainers()).toMatchObject([{ id, state: { state: 'running', pid }, config: cfg }]);
    const exits: Array<[string, ContainerState]> = [];
    b.onExit((i, s) => exits.push([i, s]));
    process.kill(pid, 'SIGTERM');
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject([id, { state: 'exited', pid, exitCode: 143, reason: 'Error' }]);
    await b.removeContainer(id);
    await b.removePod(cfg.podUid);
  });

  it('reports the real exit code of a container that exited while no runtime watched', async () => {
    const { runtime: a, rootDir, cgroups } = setup();
    const cfg = config(['sh', '-c', 'sleep 0.3; exit 7']);
    const id = await a.startContainer(cfg);
    await a.close();
    await new Promise((r) => setTimeout(r, 800));
    const b = open(rootDir, cgroups);
    expect(b.containerState(id)).toMatchObject({ state: 'exited', exitCode: 7, reason: 'Error' });
    const exits: string[] = [];
    b.onExit((i) => exits.push(i)); // an exit nobody had reported goes to the listeners
    await until(() => exits.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(exits).toEqual([id]);
    // A third runtime finds it already reported.
    await b.close();
    const c = open(rootDir, cgroups);
    const again: string[] = [];
    c.onExit((i) => again.push(i));
    expect(c.containerState(id)).toMatchObject({ state: 'exited', exitCode: 7 });
    await new Promise((r) => setTimeout(r, 200));
    expect(again).toEqual([]);
  });

  it('keeps containers running when the kubelet process is SIGKILLed, and recovers them', async () => {
    const { rootDir, cgroups } = setup();
    const driverDir = compileDriver();
    const driver = spawn(process.execPath, [join(driverDir, 'driver.mjs'), rootDir, cgroups.rootName], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(driver);
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      driver.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(buf.slice(0, nl));
      });
      driver.once('exit', (code) => reject(new Error(`driver exited with ${code}`)));
    });
    const started = JSON.parse(first) as { id: string; pid: number; podUid: string };
    driver.kill('SIGKILL');
    await new Promise((r) => driver.once('exit', r));
    // The pid is reported just before the last exec (inside the container's namespaces): wait for it.
    await until(() => readFileSync(`/proc/${started.pid}/cmdline`, 'utf8') === 'sleep\u000030\u0000');

    const b = open(rootDir, cgroups);
    expect(b.containerState(started.id)).toMatchObject({ state: 'running', pid: started.pid });
    await b.stopContainer(started.id, 2);
    expect(b.containerState(started.id)).toMatchObject({ state: 'exited', exitCode: 143 });
    await b.removePod(started.podUid);
    expect(b.listContainers()).toEqual([]);
  });

  it('removeContainer and removePod leave no cgroup and no state behind', async () => {
    const { runtime, rootDir, cgroups } = setup();
    const cfg = config(['sleep', '30']);
    const id = await runtime.startContainer(cfg);
    await expect(runtime.removeContainer(id)).rejects.toThrow(/running/);
    await expect(runtime.removePod(cfg.podUid)).rejects.toThrow(/running/);
    await runtime.stopContainer(id, 1);
    await runtime.removeContainer(id);
    expect(runtime.containerState(id)).toBeUndefined();
    for (const d of cgroups.containerCgroup(cfg.podUid, 'app').dirs) expect(existsSync(d)).toBe(false);
    await runtime.removePod(cfg.podUid);
    for (const root of cgroups.rootDirs()) expect(existsSync(join(root, `pod${cfg.podUid}`))).toBe(false);
    expect(cgroups.listPods()).toEqual([]);
    expect(readdirSync(join(rootDir, 'pods'))).toEqual([]);
  });

  it('starts a container in a few milliseconds', async () => {
    const { runtime } = setup();
    const times: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      ids.push(await runtime.startContainer(config(['sleep', '30'], { cpuLimitMilli: 100, memoryLimitBytes: 64 << 20 })));
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    const median = times[3] as number;
    expect(median).toBeLessThan(250);
    for (const id of ids) await runtime.stopContainer(id, 1);
    for (const c of runtime.listContainers()) await runtime.removePod(c.config.podUid);
  });
});

const unified = '/sys/fs/cgroup/unified';
const hasUnified = isRoot && layout.version === 1 && existsSync(join(unified, 'cgroup.procs'));

describe.runIf(hasUnified)('ProcessRuntime on a v2 hierarchy (without controllers, so without limits)', () => {
  it('starts, stops, recovers and removes', async () => {
    const { runtime, rootDir, cgroups } = setup({ version: 2, mountPoint: unified });
    const cfg = config(['sh', '-c', 'echo v2; sleep 30']);
    const id = await runtime.startContainer(cfg);
    const pid = (runtime.containerState(id) as { pid: number }).pid;
    await until(async () => (await runtime.readLog(cfg.podUid, 'app')).includes('v2'));
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`0::/${cgroups.rootName}/pod${cfg.podUid}/app\n`);
    await runtime.close();
    const b = open(rootDir, cgroups);
    expect(b.containerState(id)).toMatchObject({ state: 'running', pid });
    await b.stopContainer(id, 1);
    expect(b.containerState(id)).toMatchObject({ state: 'exited', exitCode: 143 });
    expect(await b.readLog(cfg.podUid, 'app')).toEqual(['v2']);
    await b.removePod(cfg.podUid);
    for (const d of cgroups.podCgroup(cfg.podUid).dirs) expect(existsSync(d)).toBe(false);
  });
});

/**
 * Transpiles the runtime and cgroup sources into a temp dir with a driver script that starts one
 * container and then idles, so a test can SIGKILL a real "kubelet" process.
 */
function compileDriver(): string {
  const out = mkdtempSync(join(tmpdir(), 'skiff-driver-'));
  tempDirs.push(out);
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  for (const sub of ['runtime', 'cgroups']) {
    for (const f of readdirSync(join(src, sub)).filter((n) => n.endsWith('.ts'))) {
      const file = join(src, sub, f);
      const js = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const dest = join(out, relative(src, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, js);
    }
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  // The runtime imports packages (telemetry, OpenTelemetry): resolve them from the repository's node_modules.
  symlinkSync(join(src, '..', '..', '..', 'node_modules'), join(out, 'node_modules'));
  writeFileSync(
    join(out, 'driver.mjs'),
    `import { CgroupManager, detectCgroupLayout } from './cgroups/index.js';
import { ProcessRuntime } from './runtime/index.js';
const [rootDir, rootName] = process.argv.slice(2);
const rt = new ProcessRuntime({ rootDir, cgroups: new CgroupManager(detectCgroupLayout(), { rootName }) });
const podUid = 'driver-pod';
const id = await rt.startContainer({ podUid, podNamespace: 'default', podName: 'd', containerName: 'app', argv: ['sleep', '30'], env: {}, limits: {} });
process.stdout.write(JSON.stringify({ id, pid: rt.containerState(id).pid, podUid }) + '\\n');
setInterval(() => {}, 1000);
`,
  );
  return out;
}
