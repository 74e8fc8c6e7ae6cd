/**
 * The volume manager: prepares a pod's volumes on the host before its containers start, keeps API-backed
 * ones (configMap, secret, projected) current, says where each container's volumeMounts come from, and
 * removes everything (tmpfs mounts included) when the pod is gone.
 *
 * Layout, as upstream's: `<rootDir>/<pod uid>/volumes/kubernetes.io~<plugin>/<volume name>`.
 * - emptyDir: a directory; `medium: Memory` a tmpfs (size `sizeLimit` when given).
 * - hostPath: no directory here; the host path is checked by its type and mounted as is.
 * - configMap, downwardAPI: a directory written atomically (atomic-writer.ts).
 * - secret, projected: the same on a tmpfs, so secret bytes never reach a disk.
 *
 * Contract: the pod worker calls setUpPod() on every sync (cheap when nothing changed: referenced objects are
 * fetched at most once per `objectTtlMs`, files are rewritten only when their contents change), mountsFor()
 * when it starts a container, and tearDownPod() after the pod's containers are gone. setUpPod() sets up
 * every volume it can and then throws the first VolumeError; mountsFor() throws one for a pod whose
 * volumes the container needs are not ready. cleanupOrphans() at kubelet start removes what pods that no
 * longer exist left behind.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { bytes, CONFIGMAPS, SECRETS, type ConfigMap, type Container, type Pod, type Secret, type Volume } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { expandVars } from '../container-config.js';
import type { ContainerMount, RuntimeLogger } from '../runtime/types.js';
import { writeProjection, type ProjectedFile } from './atomic-writer.js';
import { VolumeError } from './errors.js';
import { ServiceAccountTokens } from './service-account-token.js';
import { prepareHostPath } from './host-path.js';
import { mountPointsUnder, mountTmpfs, unmount, isMountPoint } from './mounts.js';
import {
  checkItemPath,
  configMapFiles,
  DEFAULT_FILE_MODE,
  DEFAULT_SECRET_MODE,
  downwardApiFiles,
  ProjectionError,
  secretFiles,
  type NodeAllocatable,
} from './projection.js';

export interface VolumeManagerOptions {
  /** Where pod volume directories live (created when missing). */
  rootDir: string;
  /** Reads the configMaps and secrets pods reference (the Node authorizer allows exactly those). */
  client: ApiClient;
  logger?: RuntimeLogger;
  /** Values for downward API resource limits a container does not set. */
  allocatable: () => NodeAllocatable;
  /** How long a fetched configMap or secret is reused before the next sync fetches it again. Default 5 s. */
  objectTtlMs?: number;
}

/** A volume ready on the host: the path containers bind, and whether mounts of it are always read-only. */
interface ReadyVolume {
  hostPath: string;
  forceReadOnly: boolean;
}

const PLUGIN_DIR: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

const UID_RE = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class VolumeManager {
  private readonly rootDir: string;
  private readonly ttlMs: number;
  private readonly tokens: ServiceAccountTokens;
  /** Per pod uid: volume name → what setUpPod() prepared. */
  private readonly ready = new Map<string, Map<string, ReadyVolume>>();
  /** Per pod uid: volume name → why it is not ready. */
  private readonly failed = new Map<string, Map<string, VolumeError>>();
  private readonly objects = new Map<string, { at: number; object: ConfigMap | Secret | undefined }>();

  constructor(private readonly options: VolumeManagerOptions) {
    this.rootDir = options.rootDir;
    this.ttlMs = options.objectTtlMs ?? 5000;
    this.tokens = new ServiceAccountTokens(options.client);
    mkdirSync(this.rootDir, { recursive: true });
  }

  /** The directory of one pod's volumes. */
  podDir(uid: string): string {
    return join(this.rootDir, uid);
  }

  /** Prepares (or refreshes) every volume of the pod; throws the first VolumeError after trying them all. */
  async setUpPod(pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!UID_RE.test(uid)) throw new VolumeError('', `invalid pod uid ${JSON.stringify(uid)}`);
    const ready = this.ready.get(uid) ?? new Map<string, ReadyVolume>();
    this.ready.set(uid, ready);
    const failed = new Map<string, VolumeError>();
    this.failed.set(uid, failed);
    for (const volume of pod.spec?.volumes ?? []) {
      try {
        ready.set(volume.name, await this.setUpVolume(pod, volume));
      } catch (err) {
        const e = err instanceof VolumeError ? err : new VolumeError(volume.name, message(err));
        failed.set(volume.name, e);
        if (!(err instanceof ProjectionError))
          this.options.logger?.warn({ uid, volume: volume.name, err: message(err) }, 'volume set-up failed');
      }
    }
    const first = failed.values().next();
    if (first.done !== true) throw first.value;
  }

  /**
   * The bind mounts of a container's volumeMounts: subPath (or subPathExpr with `$(VAR)` expanded from the
   * container's `env`) resolved inside the volume, created as a directory when missing.
   */
  mountsFor(pod: Pod, container: Container, env: Record<string, string> = {}): ContainerMount[] {
    const uid = pod.metadata?.uid ?? '';
    const out: ContainerMount[] = [];
    for (const vm of container.volumeMounts ?? []) {
      const failure = this.failed.get(uid)?.get(vm.name);
      if (failure !== undefined) throw failure;
      const volume = this.ready.get(uid)?.get(vm.name);
      if (volume === undefined)
        throw new VolumeError(vm.name, `volume ${JSON.stringify(vm.name)} is not set up (no such volume in the pod?)`);
      if (!isAbsolute(vm.mountPath)) throw new VolumeError(vm.name, `mountPath ${JSON.stringify(vm.mountPath)} must be absolute`);
      let hostPath = volume.hostPath;
      const subPath = vm.subPathExpr !== undefined && vm.subPathExpr !== '' ? expandVars(vm.subPathExpr, env) : (vm.subPath ?? '');
      if (subPath !== '') {
        try {
          checkItemPath(normalize(subPath));
        } catch (err) {
          throw new VolumeError(vm.name, `invalid subPath ${JSON.stringify(subPath)}: ${message(err)}`);
        }
        hostPath = join(hostPath, subPath);
        if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true, mode: 0o755 });
      }
      out.push({ hostPath, containerPath: normalize(vm.mountPath), readOnly: volume.forceReadOnly || vm.readOnly === true });
    }
    return out;
  }

  /** Unmounts and removes everything of the pod's volumes (hostPath contents are never touched). */
  tearDownPod(uid: string): void {
    this.tokens.forget(uid);
    this.ready.delete(uid);
    this.failed.delete(uid);
    if (!UID_RE.test(uid)) return;
    const dir = this.podDir(uid);
    for (const m of mountPointsUnder(dir)) unmount(m);
    const left = mountPointsUnder(dir);
    if (left.length > 0) throw new Error(`cannot unmount ${left.join(', ')}`);
    rmSync(dir, { recursive: true, force: true });
  }

  /** Tears down the volumes of every pod directory whose uid is not in `keep`. */
  cleanupOrphans(keep: ReadonlySet<string>): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.rootDir);
    } catch {
      return;
    }
    for (const uid of names) {
      if (keep.has(uid)) continue;
      try {
        this.tearDownPod(uid);
        this.options.logger?.info({ uid }, 'removed the volumes of a pod that no longer exists');
      } catch (err) {
        this.options.logger?.warn({ uid, err: message(err) }, 'cannot remove the volumes of a pod that no longer exists');
      }
    }
  }

  /** Pod uids with a volume directory. */
  podUids(): string[] {
    try {
      return readdirSync(this.rootDir);
    } catch {
      return [];
    }
  }

  // ---- one volume ----

  private volumeDir(uid: string, kind: string, name: string): string {
    return join(this.podDir(uid), 'volumes', PLUGIN_DIR[kind] ?? kind, name);
  }

  /** Creates the directory, with a tmpfs on it when `memory`, unless already there. */
  private ensureDir(dir: string, memory: { sizeBytes?: number } | undefined): void {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (memory !== undefined && !isMountPoint(dir)) mountTmpfs(dir, { mode: 0o755, ...memory });
  }

  private async setUpVolume(pod: Pod, volume: Volume): Promise<ReadyVolume> {
    const uid = pod.metadata?.uid ?? '';
    const ns = pod.metadata?.namespace ?? '';
    try {
      if (volume.hostPath !== undefined) {
        return { hostPath: prepareHostPath(volume.hostPath.path, volume.hostPath.type), forceReadOnly: false };
      }
      if (volume.emptyDir !== undefined) {
        const dir = this.volumeDir(uid, 'emptyDir', volume.name);
        const memory = volume.emptyDir.medium === 'Memory';
        const limit = volume.emptyDir.sizeLimit;
        this.ensureDir(dir, memory ? (limit === undefined ? {} : { sizeBytes: bytes(String(limit)) }) : undefined);
        return { hostPath: dir, forceReadOnly: false };
      }
      let kind: string;
      let memory = false;
      let files: ProjectedFile[];
      if (volume.configMap !== undefined) {
        const s = volume.configMap;
        const name = s.name ?? '';
        kind = 'configMap';
        files = configMapFiles(
          name,
          await this.fetch('configmaps', ns, name),
          s.items,
          s.defaultMode ?? DEFAULT_FILE_MODE,
          s.optional === true,
        );
      } else if (volume.secret !== undefined) {
        const s = volume.secret;
        const name = s.secretName ?? '';
        kind = 'secret';
        memory = true;
        files = secretFiles(
          name,
          await this.fetch('secrets', ns, name),
          s.items,
          s.defaultMode ?? DEFAULT_SECRET_MODE,
          s.optional === true,
        );
      } else if (volume.downwardAPI !== undefined) {
        kind = 'downwardAPI';
        files = downwardApiFiles(
          pod,
          volume.downwardAPI.items,
          volume.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE,
          this.options.allocatable(),
        );
      } else if (volume.projected !== undefined) {
        kind = 'projected';
        memory = true;
        files = await this.projectedFiles(pod, volume.projected);
      } else {
        throw new ProjectionError('this volume type is not supported by the process runtime');
      }
      const dir = this.volumeDir(uid, kind, volume.name);
      this.ensureDir(dir, memory ? {} : undefined);
      if (writeProjection(dir, files))
        this.options.logger?.info({ uid, volume: volume.name, files: files.length }, 'volume contents written');
      return { hostPath: dir, forceReadOnly: true };
    } catch (err) {
      if (err instanceof VolumeError) throw err;
      throw new VolumeError(volume.name, message(err));
    }
  }

  private async projectedFiles(pod: Pod, projected: NonNullable<Volume['projected']>): Promise<ProjectedFile[]> {
    const ns = pod.metadata?.namespace ?? '';
    const files: ProjectedFile[] = [];
    for (const source of projected.sources ?? []) {
      if (source.configMap !== undefined) {
        const s = source.configMap;
        const name = s.name ?? '';
        files.push(
          ...configMapFiles(
            name,
            await this.fetch('configmaps', ns, name),
            s.items,
            projected.defaultMode ?? DEFAULT_FILE_MODE,
            s.optional === true,
          ),
        );
      } else if (source.secret !== undefined) {
        const s = source.secret;
        const name = s.name ?? '';
        files.push(
          ...secretFiles(
            name,
            await this.fetch('secrets', ns, name),
            s.items,
            projected.defaultMode ?? DEFAULT_SECRET_MODE,
            s.optional === true,
          ),
        );
      } else if (source.downwardAPI !== undefined) {
        files.push(
          ...downwardApiFiles(pod, source.downwardAPI.items, projected.defaultMode ?? DEFAULT_FILE_MODE, this.options.allocatable()),
        );
      } else if (source.serviceAccountToken !== undefined) {
        const s = source.serviceAccountToken;
        checkItemPath(s.path);
        const token = await this.tokens.token(pod, s);
        files.push({ path: s.path, data: Buffer.from(token), mode: projected.defaultMode ?? DEFAULT_SECRET_MODE });
      } else {
        throw new ProjectionError('projected volume source not supported (configMap, secret, downwardAPI and serviceAccountToken are)');
      }
    }
    const seen = new Set<string>();
    for (const f of files) {
      if (seen.has(f.path)) throw new ProjectionError(`conflicting projected path ${JSON.stringify(f.path)}`);
      seen.add(f.path);
    }
    return files;
  }

  /** A configMap or secret, fetched at most once per TTL (the last copy when a fetch fails); undefined when it does not exist. */
  private async fetch<T extends ConfigMap | Secret>(resource: 'configmaps' | 'secrets', ns: string, name: string): Promise<T | undefined> {
    const key = `${resource}/${ns}/${name}`;
    const cached = this.objects.get(key);
    if (cached !== undefined && Date.now() - cached.at < this.ttlMs) return cached.object as T | undefined;
    let object: T | undefined;
    try {
      object = await this.options.client.getOrUndefined<T>(resource === 'configmaps' ? CONFIGMAPS : SECRETS, ns, name);
    } catch (err) {
      // The apiserver is unreachable or refuses: keep what was projected last rather than failing the pod.
      if (cached === undefined) throw err;
      this.options.logger?.warn(
        { resource, namespace: ns, name, err: message(err) },
        'cannot refresh a volume source; keeping the last one',
      );
      return cached.object as T | undefined;
    }
    const now = Date.now();
    // A missing object is not remembered: it may be created any moment (kube-root-ca.crt in a new namespace).
    if (object === undefined) {
      this.objects.delete(key);
      return undefined;
    }
    this.objects.set(key, { at: now, object });
    if (this.objects.size > 1024) for (const [k, v] of this.objects) if (now - v.at >= this.ttlMs) this.objects.delete(k);
    return object;
  }
}
