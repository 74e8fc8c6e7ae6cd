/**
 * Server-side printing: `meta.k8s.io/v1` Table responses, which is what
 * `kubectl get` asks for. Each resource supplies a TablePrinter; rows carry
 * PartialObjectMetadata so `-A` can show the namespace.
 */
import type { KubeObject } from '@skiff/api';

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 shows by default; 1 and up only with `-o wide`. */
  priority: number;
}

export interface TablePrinter {
  readonly columns: readonly ColumnDefinition[];
  row(object: KubeObject, now: number): unknown[];
}

export function column(name: string, type: ColumnDefinition['type'] = 'string', priority = 0, format = ''): ColumnDefinition {
  return { name, type, format, description: '', priority };
}

/** The first column every printer uses. */
export const NAME_COLUMN = column('Name', 'string', 0, 'name');

/** kubectl's short human durations: `45s`, `3m20s`, `5h`, `2d3h`, `400d`, `2y10d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** The AGE cell of an object: time since creation, `<unknown>` when unset. */
export function age(object: KubeObject, now: number): string {
  const created = object.metadata?.creationTimestamp;
  if (created === undefined) return '<unknown>';
  return humanDuration(now - Date.parse(String(created)));
}

/** A Table of the given objects. */
export function buildTable(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  resourceVersion: string,
  continueToken?: string,
): KubeObject {
  const now = Date.now();
  const metadata: Record<string, string> = { resourceVersion };
  if (continueToken !== undefined) metadata['continue'] = continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((o) => ({
      cells: printer.row(o, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} },
    })),
  };
}

/** The default printer: Name and Created At, as upstream prints resources without their own. */
export const DEFAULT_PRINTER: TablePrinter = {
  columns: [NAME_COLUMN, column('Created At', 'date')],
  row: (o) => [o.metadata?.name ?? '', o.metadata?.creationTimestamp ?? ''],
};
