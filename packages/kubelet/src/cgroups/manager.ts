/**
 * The kubelet's cgroup manager (cgroupfs driver): one cgroup per pod and one per container, in every
 * hierarchy the kubelet uses, laid out as `<mount>/<root>/<qos parent>/pod<uid>/<container>`. The QoS
 * parent is Kubernetes' tree (`kubepods` for Guaranteed pods, `kubepods/burstable`,
 * `kubepods/besteffort`) for a pod placed with assignPod()/createPodCgroup(..., qos) or found there on
 * disk (a kubelet restart); a pod never placed (the runtime used on its own) sits directly under the root.
 *
 * - v1: the `memory`, `cpu`, `cpuacct`, `pids` and `freezer` hierarchies (each distinct mount once; a
 *   joined `cpu,cpuacct` mount is one hierarchy).
 * - v2: the unified hierarchy; the `cpu`, `memory` and `pids` controllers are enabled in each ancestor's
 *   `cgroup.subtree_control` as far as the parent offers them.
 *
 * All creation, limit and read methods are synchronous (cgroupfs writes take microseconds); the ones that
 * wait for processes (killAll, the removals) are asynchronous. Names are validated: a pod uid or container
 * name must be one path component of `[A-Za-z0-9._-]` (not `.`/`..`), the root one or more of them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSharesToWeight, CFS_PERIOD_US, milliCpuToQuota, milliCpuToShares } from './convert.js';
import type { CgroupLayout } from './layout.js';

/** Resource limits of a pod or container cgroup. Absent (or non-positive) values leave the kernel default. */
export interface CgroupLimits {
  /** CFS quota: v1 cpu.cfs_quota_us = milli*100 with cpu.cfs_period_us 100000; v2 cpu.max "<quota> 100000". */
  cpuLimitMilli?: number;
  /**
   * CPU weight from the request, as Kubernetes computes it: v1 cpu.shares = milliCpuToShares(request)
   * (0 → 2); v2 cpu.weight = cpuSharesToWeight(shares). Absent: not written (kernel default 1024 / 100).
   */
  cpuRequestMilli?: number;
  /** v1 memory.limit_in_bytes (and memory.memsw.limit_in_bytes when present: no swap); v2 memory.max (and memory.swap.max 0). */
  memoryLimitBytes?: number;
  /** pids.max in both versions. */
  pidsLimit?: number;
}

/**
 * Paths of a cgroup for the statistics reader (same shape as `CgroupPaths` in ../stats/contract.ts,
 * kept as a local type so the two modules do not depend on each other).
 */
export type CgroupPaths = { version: 1; cpuacctDir: string; memoryDir: string } | { version: 2; dir: string };

/** A pod or container cgroup: its directory in each hierarchy. Plain data, valid whether or not the directories exist. */
export interface Cgroup {
  readonly version: 1 | 2;
  /** The cgroup's directory in every hierarchy it lives in (one per distinct mount; exactly one on v2). */
  readonly dirs: string[];
  /** Every `cgroup.procs` file a process must be written into to be inside this cgroup. */
  readonly procsFiles: string[];
  /** Paths for the statistics reader. */
  readonly statsPaths: CgroupPaths;
  readonly memoryDir: string;
  readonly cpuDir: string;
  readonly cpuacctDir: string;
  /** Undefined on v1 without a pids mount. */
  readonly pidsDir: string | undefined;
  /** v1 freezer directory; undefined on v2 (which freezes through cgroup.freeze) or when not mounted. */
  readonly freezerDir: string | undefined;
}

export interface PodCgroup extends Cgroup {
  readonly kind: 'pod';
  readonly podUid: string;
}

export interface ContainerCgroup extends Cgroup {
  readonly kind: 'container';
  readonly podUid: string;
  readonly containerName: string;
}

/** The logger shape the manager takes (a pino Logger fits). */
export interface CgroupLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CgroupManagerOptions {
  /** The cgroup under every hierarchy's mount point that holds the pods (default `skiff`; may be nested, `a/b`). */
  rootName?: string;
  logger?: CgroupLogger;
}

export interface RemoveCgroupOptions {
  /** How long rmdir is retried while it fails with EBUSY (processes still exiting). Default 2000 ms. */
  timeoutMs?: number;
  /** SIGKILL every process left in the cgroup (and below) before removing it. */
  kill?: boolean;
}

export interface KillAllOptions {
  /** Pids not to signal (e.g. the shim that records the container's exit status). */
  exclude?: readonly number[];
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** A pod's Kubernetes QoS class. */
export type PodQosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Where pods of each QoS class live, relative to the root (upstream's kubepods tree). */
export const QOS_PARENTS: Readonly<Record<PodQosClass, string>> = {
  Guaranteed: 'kubepods',
  Burstable: 'kubepods/burstable',
  BestEffort: 'kubepods/besteffort',
};
const V2_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;

function checkName(what: string, name: string): void {
  if (!NAME_RE.test(name) || name === '.' || name === '..') throw new TypeError(`invalid ${what}: ${JSON.stringify(name)}`);
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Value of `key N` in a flat-keyed file (memory.oom_control, memory.events); undefined when the key is absent. */
function keyedValue(text: string, key: string): number | undefined {
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k === key && v !== undefined) return Number(v);
  }
  return undefined;
}

function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined;
}

/**
 * Creates, limits, inspects, signals and removes pod and container cgroups. One instance per kubelet;
 * tests use a unique rootName (`skiff-test-<random>`) and removeRoot() afterwards.
 */
export class CgroupManager {
  readonly layout: CgroupLayout;
  readonly rootName: string;
  private readonly logger: CgroupLogger | undefined;
  /** v2 directories whose cgroup.subtree_control already has every controller we want (that the parent offers). */
  private readonly enabledSubtree = new Set<string>();
  /** QoS parent (relative to the root) of each pod placed or found in the kubepods tree. */
  private readonly podParents = new Map<string, string>();

  constructor(layout: CgroupLayout, options: CgroupManagerOptions = {}) {
    this.layout = layout;
    this.rootName = options.rootName ?? 'skiff';
    for (const part of this.rootName.split('/')) checkName('cgroup root name', part);
    this.logger = options.logger;
  }

  /** Mount points of the distinct hierarchies in use (v1: memory first; v2: the one mount). */
  hierarchyMounts(): string[] {
    if (this.layout.version === 2) return [this.layout.mountPoint];
    const m = this.layout.mountPoints;
    const all = [m.memory, m.cpu, m.cpuacct, m.pids, m.freezer].filter((p): p is string => p !== undefined);
    return [...new Set(all)];
  }

  /** The root's directory in every hierarchy. */
  rootDirs(): string[] {
    return this.hierarchyMounts().map((m) => join(m, this.rootName));
  }

  private cgroupAt(rel: string): Cgroup {
    if (this.layout.version === 2) {
      const dir = join(this.layout.mountPoint, this.rootName, rel);
      return {
        version: 2,
        dirs: [dir],
        procsFiles: [join(dir, 'cgroup.procs')],
        statsPaths: { version: 2, dir },
        memoryDir: dir,
        cpuDir: dir,
        cpuacctDir: dir,
        pidsDir: dir,
        freezerDir: undefined,
      };
    }
    const m = this.layout.mountPoints;
    const at = (mount: string): string => join(mount, this.rootName, rel);
    const dirs = this.hierarchyMounts().map(at);
    return {
      version: 1,
      dirs,
      procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
      statsPaths: { version: 1, cpuacctDir: at(m.cpuacct), memoryDir: at(m.memory) },
      memoryDir: at(m.memory),
      cpuDir: at(m.cpu),
      cpuacctDir: at(m.cpuacct),
      pidsDir: m.pids === undefined ? undefined : at(m.pids),
      freezerDir: m.freezer === undefined ? undefined : at(m.freezer),
    };
  }

  /**
   * Places a pod in its QoS class's branch: from now on its pod and container cgroups are computed there.
   * Does not create or move anything (call before the pod's first cgroup is created). A pod whose cgroup
   * already exists somewhere (a level of the tree, or directly under the root from before the tree) stays
   * where it is.
   */
  assignPod(podUid: string, qos: PodQosClass): void {
    checkName('pod uid', podUid);
    if (this.podParents.has(podUid)) return;
    const first = this.hierarchyMounts()[0] as string;
    const existing = ['', ...Object.values(QOS_PARENTS)].find((p) => existsSync(join(first, this.rootName, p, `pod${podUid}`)));
    this.podParents.set(podUid, existing ?? QOS_PARENTS[qos]);
  }

  /** The cgroup of a QoS level (`kubepods`, `kubepods/burstable`, ...): paths only. */
  qosCgroup(qos: PodQosClass): Cgroup {
    return this.cgroupAt(QOS_PARENTS[qos]);
  }

  /** The pod's parent relative to the root: assigned, else where its directory exists, else the root itself. */
  private podParent(podUid: string): string {
    const known = this.podParents.get(podUid);
    if (known !== undefined) return known;
    const first = this.hierarchyMounts()[0] as string;
    for (const parent of Object.values(QOS_PARENTS)) {
      if (existsSync(join(first, this.rootName, parent, `pod${podUid}`))) {
        this.podParents.set(podUid, parent);
        return parent;
      }
    }
    return '';
  }

  /** The paths of a pod's cgroup (nothing is created; see assignPod() for where it lives). */
  podCgroup(podUid: string): PodCgroup {
    checkName('pod uid', podUid);
    return { ...this.cgroupAt(join(this.podParent(podUid), `pod${podUid}`)), kind: 'pod', podUid };
  }

  /** The paths of a container's cgroup (pure computation; nothing is created). */
  containerCgroup(podUid: string, containerName: string): ContainerCgroup {
    checkName('pod uid', podUid);
    checkName('container name', containerName);
    return { ...this.cgroupAt(join(this.podParent(podUid), `pod${podUid}`, containerName)), kind: 'container', podUid, containerName };
  }

  /**
   * Creates the pod's cgroup (and the root) in every hierarchy; idempotent. Writes `limits` when given.
   * On v2, enables cpu/memory/pids for the pod's children. Throws when a directory cannot be created or a
   * requested limit cannot be written (e.g. its controller is not available).
   */
  createPodCgroup(podUid: string, limits: CgroupLimits = {}, qos?: PodQosClass): PodCgroup {
    if (qos !== undefined) this.assignPod(podUid, qos);
    const cg = this.podCgroup(podUid);
    this.create(cg, true);
    this.writeLimits(cg, limits);
    return cg;
  }

  /**
   * Creates the container's cgroup (and its pod's, if missing) in every hierarchy and writes its limits;
   * idempotent for the directories, limits are (re)written. Throws as createPodCgroup() does.
   */
  createContainerCgroup(podUid: string, containerName: string, limits: CgroupLimits = {}): ContainerCgroup {
    this.create(this.podCgroup(podUid), true);
    const cg = this.containerCgroup(podUid, containerName);
    this.create(cg, false);
    this.writeLimits(cg, limits);
    return cg;
  }

  private create(cg: Cgroup, isParent: boolean): void {
    if (this.layout.version === 1) {
      for (const d of cg.dirs) mkdirSync(d, { recursive: true });
      return;
    }
    const mount = this.layout.mountPoint;
    const dir = cg.dirs[0] as string;
    // Every ancestor from the mount point down must offer the controllers to its children.
    const rel = dir
      .slice(mount.length)
      .split('/')
      .filter((s) => s !== '');
    let cur = mount;
    for (const part of rel) {
      this.enableSubtree(cur);
      cur = join(cur, part);
      mkdirSync(cur, { recursive: true });
    }
    if (isParent) this.enableSubtree(dir);
  }

  private enableSubtree(dir: string): void {
    if (this.enabledSubtree.has(dir)) return;
    const available = (readIfExists(join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
    const enabled = (readIfExists(join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
    const missing = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.includes(c));
    let ok = true;
    for (const c of missing) {
      try {
        writeFileSync(join(dir, 'cgroup.subtree_control'), `+${c}`);
      } catch (err) {
        ok = false;
        this.logger?.warn({ dir, controller: c, err: String(err) }, 'cannot enable cgroup controller for children');
      }
    }
    if (ok) this.enabledSubtree.add(dir);
  }

  /** Writes the limits into an existing cgroup (see CgroupLimits for the files). */
  writeLimits(cg: Cgroup, limits: CgroupLimits): void {
    const cpuLimit = positive(limits.cpuLimitMilli);
    const cpuRequest = limits.cpuRequestMilli;
    const memory = positive(limits.memoryLimitBytes);
    const pidsLimit = positive(limits.pidsLimit);
    const write = (dir: string | undefined, file: string, value: string): void => {
      if (dir === undefined) throw new Error(`cannot write ${file}: its controller is not mounted`);
      writeFileSync(join(dir, file), value);
    };
    const writeOptional = (dir: string, file: string, value: string): void => {
      const p = join(dir, file);
      if (!existsSync(p)) return;
      try {
        writeFileSync(p, value);
      } catch (err) {
        this.logger?.warn({ file: p, err: String(err) }, 'cannot write optional cgroup file');
      }
    };
    if (cg.version === 1) {
      if (cpuLimit !== undefined) {
        write(cg.cpuDir, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
        write(cg.cpuDir, 'cpu.cfs_quota_us', String(milliCpuToQuota(cpuLimit)));
      }
      if (cpuRequest !== undefined) write(cg.cpuDir, 'cpu.shares', String(milliCpuToShares(cpuRequest)));
      if (memory !== undefined) {
        write(cg.memoryDir, 'memory.limit_in_bytes', String(memory));
        writeOptional(cg.memoryDir, 'memory.memsw.limit_in_bytes', String(memory));
      }
      if (pidsLimit !== undefined) write(cg.pidsDir, 'pids.max', String(pidsLimit));
      return;
    }
    if (cpuLimit !== undefined) write(cg.cpuDir, 'cpu.max', `${milliCpuToQuota(cpuLimit)} ${CFS_PERIOD_US}`);
    if (cpuRequest !== undefined) write(cg.cpuDir, 'cpu.weight', String(cpuSharesToWeight(milliCpuToShares(cpuRequest))));
    if (memory !== undefined) {
      write(cg.memoryDir, 'memory.max', String(memory));
      writeOptional(cg.memoryDir, 'memory.swap.max', '0');
    }
    if (pidsLimit !== undefined) write(cg.pidsDir, 'pids.max', String(pidsLimit));
  }

  /**
   * The pids in the cgroup and every cgroup below it, in every hierarchy (union, ascending). A missing
   * cgroup has none.
   */
  pids(cg: Cgroup): number[] {
    const found = new Set<number>();
    const walk = (dir: string): void => {
      const procs = readIfExists(join(dir, 'cgroup.procs'));
      if (procs === undefined) return;
      for (const line of procs.split('\n')) if (line !== '') found.add(Number(line));
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    };
    for (const d of cg.dirs) walk(d);
    return [...found].sort((a, b) => a - b);
  }

  /**
   * OOM kills recorded for the cgroup (v1 memory.oom_control `oom_kill`, v2 memory.events `oom_kill`).
   * Undefined when the cgroup is gone or the kernel has no such counter (old v1 kernels).
   */
  oomKillCount(cg: Cgroup): number | undefined {
    const text = readIfExists(join(cg.memoryDir, cg.version === 1 ? 'memory.oom_control' : 'memory.events'));
    return text === undefined ? undefined : keyedValue(text, 'oom_kill');
  }

  /** v1 memory.failcnt (times usage hit the limit); v2 memory.events `max`. Undefined when unreadable. */
  memoryFailCount(cg: Cgroup): number | undefined {
    if (cg.version === 1) {
      const text = readIfExists(join(cg.memoryDir, 'memory.failcnt'));
      return text === undefined ? undefined : Number(text.trim());
    }
    const text = readIfExists(join(cg.memoryDir, 'memory.events'));
    return text === undefined ? undefined : keyedValue(text, 'max');
  }

  /**
   * True when the memory controller OOM-killed a process of this cgroup (oomKillCount > 0). Callers on
   * kernels without the counter (undefined) fall back to memoryFailCount() > 0 with a SIGKILL exit.
   */
  oomKilled(cg: Cgroup): boolean {
    return (this.oomKillCount(cg) ?? 0) > 0;
  }

  /**
   * Sends `signal` to every process in the cgroup and below; resolves to how many were signalled.
   * v2 SIGKILL without exclusions: writes `cgroup.kill` (atomic for the whole subtree, kernel ≥ 5.14).
   * Otherwise the cgroup is frozen first when possible (v1 freezer, v2 cgroup.freeze) so no process forks
   * between listing and signalling, each pid is signalled (vanished ones ignored), and it is thawed again
   * (also on error). A SIGKILL sweep may need repeating until pids() is empty; see killUntilEmpty().
   */
  async killAll(cg: Cgroup, signal: NodeJS.Signals | number, options: KillAllOptions = {}): Promise<number> {
    const exclude = new Set(options.exclude ?? []);
    if (cg.version === 2 && (signal === 'SIGKILL' || signal === 9) && exclude.size === 0) {
      const killFile = join(cg.dirs[0] as string, 'cgroup.kill');
      if (existsSync(killFile)) {
        const n = this.pids(cg).length;
        try {
          writeFileSync(killFile, '1');
          return n;
        } catch (err) {
          if (errCode(err) === 'ENOENT') return 0;
          this.logger?.warn({ file: killFile, err: String(err) }, 'cgroup.kill failed; signalling each process');
        }
      }
    }
    const frozen = await this.freeze(cg);
    try {
      let n = 0;
      for (const pid of this.pids(cg)) {
        if (exclude.has(pid)) continue;
        try {
          process.kill(pid, signal);
          n++;
        } catch (err) {
          if (errCode(err) !== 'ESRCH') throw err;
        }
      }
      return n;
    } finally {
      if (frozen) this.thaw(cg);
    }
  }

  /**
   * SIGKILLs everything in the cgroup (except `exclude`) repeatedly until no such process is left;
   * rejects after `timeoutMs` (default 5000).
   */
  async killUntilEmpty(cg: Cgroup, options: KillAllOptions & { timeoutMs?: number } = {}): Promise<void> {
    const exclude = new Set(options.exclude ?? []);
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    // A frozen descendant (a kubelet killed between freeze and thaw) keeps its processes from dying.
    this.thawTree(cg);
    for (;;) {
      const left = this.pids(cg).filter((p) => !exclude.has(p));
      if (left.length === 0) return;
      if (Date.now() > deadline) throw new Error(`processes still in cgroup ${cg.dirs[0] ?? ''}: ${left.join(' ')}`);
      await this.killAll(cg, 'SIGKILL', options);
      await sleep(5);
    }
  }

  /** Freezes the cgroup; false when it cannot be frozen (no freezer, cgroup gone). Waits up to 200 ms for the freeze to complete. */
  private async freeze(cg: Cgroup): Promise<boolean> {
    let stateFile: string;
    let isFrozen: () => boolean;
    try {
      if (cg.version === 1) {
        if (cg.freezerDir === undefined) return false;
        stateFile = join(cg.freezerDir, 'freezer.state');
        writeFileSync(stateFile, 'FROZEN');
        isFrozen = () => readFileSync(stateFile, 'utf8').trim() === 'FROZEN';
      } else {
        const dir = cg.dirs[0] as string;
        stateFile = join(dir, 'cgroup.freeze');
        if (!existsSync(stateFile)) return false;
        writeFileSync(stateFile, '1');
        isFrozen = () => keyedValue(readFileSync(join(dir, 'cgroup.events'), 'utf8'), 'frozen') === 1;
      }
    } catch (err) {
      if (errCode(err) !== 'ENOENT') this.logger?.warn({ cgroup: cg.dirs[0], err: String(err) }, 'cannot freeze cgroup');
      return false;
    }
    const deadline = Date.now() + 200;
    try {
      while (!isFrozen() && Date.now() < deadline) await sleep(1);
    } catch {
      // the cgroup vanished meanwhile: thawing will fail harmlessly
    }
    return true;
  }

  /**
   * Thaws the cgroup and every cgroup below it (v1 freezer.state THAWED, v2 cgroup.freeze 0). A freeze is
   * held only for the instant of a killAll(), so a frozen cgroup found later was left by a kubelet that
   * died in between: its processes would hang forever (no signal is delivered, no exit happens). Called
   * before every kill-until-empty sweep and when the kubelet starts (adopting containers). Missing is fine.
   */
  thawTree(cg: Cgroup): void {
    const top = cg.version === 1 ? cg.freezerDir : cg.dirs[0];
    if (top === undefined) return;
    const file = cg.version === 1 ? 'freezer.state' : 'cgroup.freeze';
    const value = cg.version === 1 ? 'THAWED' : '0';
    const visit = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
        if (cg.version === 1 ? readFileSync(join(dir, file), 'utf8').trim() !== 'THAWED' : existsSync(join(dir, file))) {
          writeFileSync(join(dir, file), value);
        }
      } catch (err) {
        if (errCode(err) !== 'ENOENT') this.logger?.warn({ cgroup: dir, err: String(err) }, 'cannot thaw cgroup');
        return;
      }
      for (const e of entries) if (e.isDirectory()) visit(join(dir, e.name));
    };
    visit(top);
  }

  /** thawTree() of the whole root (every pod). */
  thawAll(): void {
    this.thawTree(this.cgroupAt(''));
  }

  private thaw(cg: Cgroup): void {
    try {
      if (cg.version === 1) {
        if (cg.freezerDir !== undefined) writeFileSync(join(cg.freezerDir, 'freezer.state'), 'THAWED');
      } else {
        writeFileSync(join(cg.dirs[0] as string, 'cgroup.freeze'), '0');
      }
    } catch (err) {
      if (errCode(err) !== 'ENOENT') this.logger?.warn({ cgroup: cg.dirs[0], err: String(err) }, 'cannot thaw cgroup');
    }
  }

  /** Removes the container's cgroup from every hierarchy (see removeTree for the retry rules). Missing is fine. */
  async removeContainerCgroup(podUid: string, containerName: string, options: RemoveCgroupOptions = {}): Promise<void> {
    await this.removeCgroup(this.containerCgroup(podUid, containerName), options);
  }

  /**
   * Removes the pod's cgroup, and any container cgroups still below it, from every hierarchy, and forgets
   * its QoS placement. Missing is fine. The QoS levels stay (they are shared).
   */
  async removePodCgroup(podUid: string, options: RemoveCgroupOptions = {}): Promise<void> {
    await this.removeCgroup(this.podCgroup(podUid), options);
    this.podParents.delete(podUid);
  }

  /**
   * Removes the root cgroup with everything below it from every hierarchy. Unlike the other removals it
   * SIGKILLs leftover processes by default (`kill: false` to refuse instead).
   */
  async removeRoot(options: RemoveCgroupOptions = {}): Promise<void> {
    const root = this.cgroupAt('');
    await this.removeCgroup(root, { kill: true, ...options });
  }

  private async removeCgroup(cg: Cgroup, options: RemoveCgroupOptions): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 2000;
    if (options.kill === true) await this.killUntilEmpty(cg, { timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (const d of cg.dirs) await removeTree(d, deadline);
  }

  /** Pod uids that have a cgroup under the root or its QoS levels in any hierarchy (for cleanup after a restart). */
  listPods(): string[] {
    const uids = new Set<string>();
    const parents = ['', ...Object.values(QOS_PARENTS)];
    for (const root of this.rootDirs().flatMap((r) => parents.map((p) => join(r, p)))) {
      let entries;
      try {
        entries = readdirSync(root, { withFileTypes: true });
      } catch (err) {
        if (errCode(err) === 'ENOENT') continue;
        throw err;
      }
      for (const e of entries) if (e.isDirectory() && e.name.startsWith('pod') && e.name.length > 3) uids.add(e.name.slice(3));
    }
    return [...uids].sort();
  }
}

/**
 * rmdir of a cgroup directory, children first. EBUSY (processes still exiting, or zombies not yet reaped)
 * is retried every 10 ms until `deadline`, then thrown. ENOENT counts as removed.
 */
async function removeTree(dir: string, deadline: number): Promise<void> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (errCode(err) === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name), deadline);
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}
