/**
 * The local image store of the runc backend: `<root-dir>/images/<encoded name>/rootfs` holds an unpacked
 * root filesystem, and `image.json` the image's name and (optional) config defaults. Nothing is pulled:
 * images arrive with `skiff image import` from a directory, a rootfs tar or an OCI-layout tar (oci-layout.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { isOciLayoutTar, unpackOciLayout } from './oci-layout.js';

const run = promisify(execFile);

/** Defaults an image's config may carry (the OCI image config's fields of the same names). */
export interface ImageConfig {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
}

export interface StoredImage {
  /** The normalised name (`docker.io/library/busybox:latest`). */
  name: string;
  /** Absolute path of the unpacked root filesystem (never modified by containers). */
  rootfs: string;
  config: ImageConfig;
}

/**
 * The fully qualified name kubectl users mean: `busybox` → `docker.io/library/busybox:latest`,
 * `foo/bar:1` → `docker.io/foo/bar:1`, `reg.example:5000/x` → `reg.example:5000/x:latest`; a digest stays.
 */
export function normaliseImageName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || /\s/.test(trimmed)) throw new TypeError(`invalid image name ${JSON.stringify(name)}`);
  const slash = trimmed.indexOf('/');
  const first = slash < 0 ? '' : trimmed.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let ref = hasRegistry ? trimmed : `docker.io/${slash < 0 ? `library/${trimmed}` : trimmed}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}

/** The store's directory of an image (the name made safe as one path component). */
export function imageDir(rootDir: string, name: string): string {
  return join(resolve(rootDir), 'images', encodeURIComponent(normaliseImageName(name)));
}

/** The image when it is in the store; undefined otherwise. */
export function findImage(rootDir: string, name: string): StoredImage | undefined {
  const dir = imageDir(rootDir, name);
  let record: { name: string; config?: ImageConfig };
  try {
    record = JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8')) as { name: string; config?: ImageConfig };
  } catch {
    return undefined;
  }
  return { name: record.name, rootfs: join(dir, 'rootfs'), config: record.config ?? {} };
}

/**
 * Imports `source` (a directory holding a root filesystem, a tar of one, or an OCI-layout tar whose config
 * defaults are kept; `config` overrides them) as `name`, replacing an image of
 * that name. The new rootfs is unpacked beside the old one and swapped in, so a reader sees one or the other.
 */
export async function importImage(rootDir: string, name: string, source: string, config: ImageConfig = {}): Promise<StoredImage> {
  const full = normaliseImageName(name);
  const dir = imageDir(rootDir, full);
  const staging = `${dir}.importing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'rootfs'), { recursive: true });
  try {
    if (statSync(source).isDirectory()) {
      await run('cp', ['-a', `${resolve(source)}/.`, join(staging, 'rootfs')]);
    } else if (await isOciLayoutTar(resolve(source))) {
      config = { ...(await unpackOciLayout(resolve(source), join(staging, 'rootfs'))), ...config };
    } else {
      await run('tar', ['-x', '--numeric-owner', '-f', resolve(source), '-C', join(staging, 'rootfs')]);
    }
    writeFileSync(join(staging, 'image.json'), `${JSON.stringify({ name: full, config }, null, 2)}\n`);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { name: full, rootfs: join(dir, 'rootfs'), config };
}
