/**
 * Unpacks an OCI image layout (a tar holding `oci-layout`, `index.json` and `blobs/`) into a root
 * filesystem: index.json's first manifest (a nested index is followed), its config's defaults, and its
 * layers applied in order. Whiteouts of a layer (`.wh.<name>` deletes `<name>`, `.wh..wh..opq` empties its
 * directory) act on the layers below; the whiteout files themselves are not extracted.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { ImageConfig } from './image-store.js';

const run = promisify(execFile);

interface Descriptor {
  mediaType?: string;
  digest: string;
}

const OPAQUE = '.wh..wh..opq';

/** True when the tar file is an OCI image layout (it has `oci-layout` at its top). */
export async function isOciLayoutTar(file: string): Promise<boolean> {
  const { stdout } = await run('tar', ['-tf', file], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').some((l) => l === 'oci-layout' || l === './oci-layout');
}

function blobPath(layout: string, digest: string): string {
  const m = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  if (m === null) throw new Error(`unsupported digest ${digest}`);
  return join(layout, 'blobs', m[1] as string, m[2] as string);
}

function readBlob<T>(layout: string, d: Descriptor): T {
  return JSON.parse(readFileSync(blobPath(layout, d.digest), 'utf8')) as T;
}

/** Applies one layer tar (any compression tar detects) onto `rootfs`, whiteouts first. */
async function applyLayer(rootfs: string, layer: string): Promise<void> {
  const { stdout } = await run('tar', ['-tf', layer], { maxBuffer: 64 * 1024 * 1024 });
  for (const raw of stdout.split('\n')) {
    const entry = normalize(raw).replace(/^(\.\/)+/, '');
    const name = basename(entry);
    if (!name.startsWith('.wh.') || entry.startsWith('..')) continue;
    const dir = join(rootfs, dirname(entry));
    if (name === OPAQUE) {
      try {
        for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
      } catch {
        // nothing below yet
      }
    } else {
      rmSync(join(dir, name.slice('.wh.'.length)), { recursive: true, force: true });
    }
  }
  await run('tar', ['-x', '--numeric-owner', '--exclude=.wh.*', '-f', layer, '-C', rootfs]);
}

/** Unpacks the layout tar's image into `rootfs` (existing, empty) and returns its config defaults. */
export async function unpackOciLayout(file: string, rootfs: string): Promise<ImageConfig> {
  const layout = mkdtempSync(join(tmpdir(), 'skiff-oci-'));
  try {
    await run('tar', ['-x', '-f', file, '-C', layout]);
    let index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
    for (;;) {
      const first = index.manifests?.[0];
      if (first === undefined) throw new Error('the OCI layout has no manifest');
      if (first.mediaType?.endsWith('image.index.v1+json') === true || first.mediaType?.endsWith('manifest.list.v2+json') === true) {
        index = readBlob(layout, first);
        continue;
      }
      const manifest = readBlob<{ config: Descriptor; layers?: Descriptor[] }>(layout, first);
      for (const layer of manifest.layers ?? []) await applyLayer(rootfs, blobPath(layout, layer.digest));
      const config = readBlob<{ config?: ImageConfig }>(layout, manifest.config).config ?? {};
      const out: ImageConfig = {};
      if (config.Env !== undefined) out.Env = config.Env;
      if (config.Entrypoint !== undefined) out.Entrypoint = config.Entrypoint;
      if (config.Cmd !== undefined) out.Cmd = config.Cmd;
      if (config.WorkingDir !== undefined && config.WorkingDir !== '') out.WorkingDir = config.WorkingDir;
      return out;
    }
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}
