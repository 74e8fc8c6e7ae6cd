/**
 * `/openapi/v3` and its per group-version documents (see `openapi/document.ts`),
 * built once and served with an ETag: the index links each document with its
 * hash (`?hash=`) as kube-apiserver does, so clients cache them, and a request
 * with a matching `If-None-Match` gets 304.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFound } from '@skiff/api';
import { buildDocument, groupVersionPaths } from '../openapi/document.js';

interface Rendered {
  body: string;
  etag: string;
}

const documents = new Map<string, Rendered | null>();
let index: Rendered | undefined;

function render(value: unknown): Rendered {
  const body = JSON.stringify(value);
  return { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

function documentFor(path: string): Rendered | undefined {
  let doc = documents.get(path);
  if (doc === undefined) {
    const built = buildDocument(path);
    doc = built === undefined ? null : render(built);
    documents.set(path, doc);
  }
  return doc ?? undefined;
}

function indexDocument(): Rendered {
  if (index === undefined) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const p of groupVersionPaths()) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${documentFor(p)?.etag ?? ''}` };
    index = render({ paths });
  }
  return index;
}

function send(req: IncomingMessage, res: ServerResponse, doc: Rendered, immutable: boolean): void {
  const etag = `"${doc.etag}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Vary', 'Accept');
  res.setHeader('Cache-Control', immutable ? 'public, immutable' : 'no-cache, private');
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc.body) });
  res.end(doc.body);
}

/** Serves `/openapi/v3` (`path` undefined) or one of its documents; 404 for a group version not served. */
export function serveOpenApi(req: IncomingMessage, res: ServerResponse, path: string | undefined, query: URLSearchParams): void {
  if (path === undefined) {
    send(req, res, indexDocument(), false);
    return;
  }
  const doc = documentFor(path);
  if (doc === undefined) throw notFound('openapi', '', path);
  send(req, res, doc, query.get('hash') === doc.etag);
}
