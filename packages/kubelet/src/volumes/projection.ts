/**
 * The files of configMap, secret, downwardAPI and projected volumes, computed from the objects they
 * project (pure functions; the volume manager fetches the objects and writes the files atomically).
 *
 * Modes: an item's `mode`, else the volume's `defaultMode`, else 0644 — except secret contents, which
 * default to 0400 (the issue asks that secrets be readable by their owner only unless a mode says
 * otherwise; upstream defaults to 0644).
 */
import { bytes, milliCpu, type ConfigMap, type Container, type Pod, type Secret, type Volume } from '@skiff/api';
import type { ProjectedFile } from './atomic-writer.js';

/** One item of a downwardAPI volume. */
export type DownwardApiItem = NonNullable<NonNullable<Volume['downwardAPI']>['items']>[number];

export const DEFAULT_FILE_MODE = 0o644;
export const DEFAULT_SECRET_MODE = 0o400;

/** Thrown for a projection that cannot be written (missing key or object, bad path); the message is upstream's. */
export class ProjectionError extends Error {}

/** A relative path without `..` components, as upstream validates item paths. */
export function checkItemPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.length > 4096) throw new ProjectionError(`invalid path ${JSON.stringify(path)}`);
  if (path.split('/').some((c) => c === '..' || c === '') || path.startsWith('..')) {
    throw new ProjectionError(`invalid path ${JSON.stringify(path)}: must not contain '..' or empty components`);
  }
}

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** Files for `data` keyed by name: every key, or only `items` (a missing item key fails unless optional). */
function keyedFiles(
  kind: 'configmap' | 'secret',
  data: Map<string, Buffer>,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
): ProjectedFile[] {
  if (items === undefined || items.length === 0) {
    return [...data.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ path: key, data: value, mode }));
  }
  const out: ProjectedFile[] = [];
  for (const item of items) {
    const value = data.get(item.key);
    if (value === undefined) {
      if (optional) continue;
      throw new ProjectionError(`${kind} references non-existent ${kind === 'secret' ? 'secret' : 'config'} key: ${item.key}`);
    }
    checkItemPath(item.path);
    out.push({ path: item.path, data: value, mode: item.mode ?? mode });
  }
  return out;
}

export function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return data;
}

export function secretData(secret: Secret): Map<string, Buffer> {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  return data;
}

/** A configMap's files; `cm` undefined: the object does not exist (empty when optional, else an error). */
export function configMapFiles(
  name: string,
  cm: ConfigMap | undefined,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
): ProjectedFile[] {
  if (cm === undefined) {
    if (optional) return [];
    throw new ProjectionError(`configmap "${name}" not found`);
  }
  return keyedFiles('configmap', configMapData(cm), items, mode, optional);
}

/** A secret's files; `secret` undefined: the object does not exist (empty when optional, else an error). */
export function secretFiles(
  name: string,
  secret: Secret | undefined,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
): ProjectedFile[] {
  if (secret === undefined) {
    if (optional) return [];
    throw new ProjectionError(`secret "${name}" not found`);
  }
  return keyedFiles('secret', secretData(secret), items, mode, optional);
}

/** `key="value"` lines sorted by key, with the value quoted as Go's %q does for plain strings. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/** The value of a downward API `fieldRef` (metadata.name, .namespace, .uid, .labels, .annotations and their `['key']` forms). */
export function fieldRefValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscript !== null) {
    const map = subscript[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[subscript[2] as string] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    default:
      throw new ProjectionError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** Node allocatable, used for a resource field whose limit the container does not set (as upstream does). */
export interface NodeAllocatable {
  milliCpu: number;
  memoryBytes: number;
}

/** The value of a downward API `resourceFieldRef`: limits/requests of cpu, memory, ephemeral-storage, scaled by the divisor (rounded up). */
export function resourceFieldValue(container: Container, resource: string, divisor: string | undefined, node: NodeAllocatable): string {
  const [section, name] = resource.split('.', 2) as [string, string | undefined];
  const list = section === 'limits' ? container.resources?.limits : section === 'requests' ? container.resources?.requests : undefined;
  if (name === undefined || (section !== 'limits' && section !== 'requests'))
    throw new ProjectionError(`unsupported container resource: ${resource}`);
  const raw = list?.[name];
  if (name === 'cpu') {
    const milli = raw !== undefined ? milliCpu(raw) : section === 'limits' ? node.milliCpu : 0;
    const div = divisor !== undefined && divisor !== '0' ? milliCpu(divisor) : 1000;
    return String(Math.ceil(milli / div));
  }
  if (name === 'memory' || name === 'ephemeral-storage') {
    const value = raw !== undefined ? bytes(raw) : section === 'limits' && name === 'memory' ? node.memoryBytes : 0;
    const div = divisor !== undefined && divisor !== '0' ? bytes(divisor) : 1;
    return String(Math.ceil(value / div));
  }
  throw new ProjectionError(`unsupported container resource: ${resource}`);
}

/** The files of a downwardAPI volume or projection source. */
export function downwardApiFiles(
  pod: Pod,
  items: readonly DownwardApiItem[] | undefined,
  mode: number,
  node: NodeAllocatable,
): ProjectedFile[] {
  const out: ProjectedFile[] = [];
  for (const item of items ?? []) {
    checkItemPath(item.path);
    let value: string;
    if (item.fieldRef !== undefined) value = fieldRefValue(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef !== undefined) {
      const ref = item.resourceFieldRef;
      const container =
        pod.spec?.containers.find((c) => c.name === ref.containerName) ??
        (ref.containerName === undefined ? pod.spec?.containers[0] : undefined);
      if (container === undefined) throw new ProjectionError(`container ${JSON.stringify(ref.containerName ?? '')} not found`);
      value = resourceFieldValue(container, ref.resource, ref.divisor === undefined ? undefined : String(ref.divisor), node);
    } else throw new ProjectionError(`downward API item ${item.path} has neither fieldRef nor resourceFieldRef`);
    out.push({ path: item.path, data: Buffer.from(value, 'utf8'), mode: item.mode ?? mode });
  }
  return out;
}
