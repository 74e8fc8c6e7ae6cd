/**
 * HTTP watch (`?watch=true`), served from the watch cache: one JSON object per
 * line, `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":...}`.
 *
 * - No resourceVersion (or "0"): ADDED for every matching object first, then changes.
 * - resourceVersion N: every change after N; if the cache no longer holds
 *   them, an ERROR event with a 410 Expired Status (the client re-lists).
 * - Selectors are applied to each change; an object that stops matching is
 *   reported DELETED and one that starts matching ADDED, as upstream does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyPrefix, type KubeObject, type ResourceDescriptor } from '@skiff/api';
import type { StoreChange } from '@skiff/store';
import type { ObjectFilter } from '../registry/generic.js';
import { objectJson, withRevision } from '../storage/object-json.js';
import type { WatchCache } from '../storage/watch-cache.js';
import { buildTable, type TablePrinter } from './table.js';

export interface WatchRequest {
  desc: ResourceDescriptor;
  filter: ObjectFilter;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  /** When set, each object is sent as a one-row Table. */
  printer: TablePrinter | undefined;
  /** Called before synthetic ADDED events of a consistent start (to catch up the cache). */
  catchUp: () => Promise<void>;
  onEnd?: () => void;
}

const BOOKMARK_INTERVAL_MS = 60_000;

const DEFAULT_TIMEOUT_S = 1800;

export async function serveWatch(req: IncomingMessage, res: ServerResponse, cache: WatchCache, w: WatchRequest): Promise<void> {
  const prefix = keyPrefix(w.desc, w.filter.namespace);
  const queued: Array<{ change: StoreChange; previous: KubeObject | undefined }> = [];
  let live = false;
  let sent = 0;
  let closed = false;

  const encode = (type: string, object: KubeObject): string => {
    const body =
      w.printer === undefined || type === 'BOOKMARK' || type === 'ERROR'
        ? object
        : buildTable(w.printer, [object], object.metadata?.resourceVersion ?? '');
    return `${JSON.stringify({ type, object: body })}\n`;
  };
  const emit = (change: StoreChange, previous: KubeObject | undefined): void => {
    if (closed || change.revision <= sent || !change.key.startsWith(prefix)) return;
    const matchesNow = change.type !== 'DELETED' && w.filter.matches(change.object);
    const matchedBefore = previous !== undefined && w.filter.matches(previous);
    let type: 'ADDED' | 'MODIFIED' | 'DELETED' | undefined;
    if (change.type === 'DELETED') {
      const matched = previous === undefined ? w.filter.matches(change.object) : matchedBefore;
      type = matched ? 'DELETED' : undefined;
    } else if (matchesNow) type = matchedBefore ? 'MODIFIED' : 'ADDED';
    else if (matchedBefore) type = 'DELETED';
    sent = change.revision;
    if (type === undefined) return;
    if (w.printer === undefined) res.write(`{"type":"${type}","object":${objectJson(change)}}\n`);
    else res.write(encode(type, withRevision({ revision: change.revision, object: change.object })));
  };
  const unsubscribe = cache.subscribe((change, previous) => {
    if (live) emit(change, previous);
    else queued.push({ change, previous });
  });

  let bookmarkTimer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    if (bookmarkTimer !== undefined) clearInterval(bookmarkTimer);
    clearTimeout(timeout);
    w.onEnd?.();
    res.end();
  };
  const timeout = setTimeout(finish, (w.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000);
  req.on('close', finish);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();

  const rv = w.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0' || w.sendInitialEvents) {
    if (rv === undefined || rv === '') await w.catchUp();
    const start = cache.revision;
    for (const stored of cache.list(prefix)) {
      if (w.filter.matches(stored.object)) res.write(encode('ADDED', withRevision(stored)));
    }
    sent = start;
    if (w.sendInitialEvents && w.allowBookmarks) {
      res.write(
        encode('BOOKMARK', {
          kind: w.desc.kind,
          apiVersion: w.desc.group === '' ? w.desc.version : `${w.desc.group}/${w.desc.version}`,
          metadata: { resourceVersion: String(start), annotations: { 'k8s.io/initial-events-end': 'true' } },
        }),
      );
    }
  } else {
    const from = Number(rv);
    const backlog = Number.isInteger(from) ? cache.changesSince(from) : 'too-old';
    if (backlog === 'too-old') {
      res.write(
        encode('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${rv} (${cache.revision})`,
          reason: 'Expired',
          code: 410,
        }),
      );
      finish();
      return;
    }
    sent = from;
    // Backlog changes carry no previous state: report them by their own match.
    for (const change of backlog) emit(change, change.type === 'ADDED' ? undefined : change.object);
  }
  for (const q of queued.splice(0)) emit(q.change, q.previous);
  live = true;
  if (w.allowBookmarks) {
    bookmarkTimer = setInterval(() => {
      res.write(
        encode('BOOKMARK', {
          kind: w.desc.kind,
          apiVersion: w.desc.group === '' ? w.desc.version : `${w.desc.group}/${w.desc.version}`,
          metadata: { resourceVersion: String(Math.max(sent, cache.revision)) },
        }),
      );
    }, BOOKMARK_INTERVAL_MS);
  }
}
