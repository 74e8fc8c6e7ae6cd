/**
 * `/openapi/v3` and its per group-version documents (see `openapi/document.ts`),
 * and the Swagger 2.0 `/openapi/v2` (`openapi/swagger.ts`) as JSON or as
 * gnostic protobuf (`openapi/gnostic.ts`). Each is built once and served with
 * an ETag: the v3 index links each document with its hash (`?hash=`) as
 * kube-apiserver does, so clients cache them, and a request with a matching
 * `If-None-Match` gets 304.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, notFound } from '@skiff/api';
import { buildDocument, groupVersionPaths } from '../openapi/document.js';
import { encodeSwaggerDocument, GNOSTIC_V2_CONTENT_TYPE } from '../openapi/gnostic.js';
import { buildSwaggerDocument } from '../openapi/swagger.js';

interface Rendered {
  body: string | Uint8Array;
  etag: string;
  contentType: string;
}

const documents = new Map<string, Rendered | null>();
let index: Rendered | undefined;
let swagger: { json: Rendered; protobuf: Rendered } | undefined;

function render(body: string | Uint8Array, contentType = 'application/json'): Rendered {
  return { body, etag: createHash('sha512').update(body).digest('hex').toUpperCase(), contentType };
}

function documentFor(path: string): Rendered | undefined {
  let doc = documents.get(path);
  if (doc === undefined) {
    const built = buildDocument(path);
    doc = built === undefined ? null : render(JSON.stringify(built));
    documents.set(path, doc);
  }
  return doc ?? undefined;
}

function indexDocument(): Rendered {
  if (index === undefined) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const p of groupVersionPaths()) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${documentFor(p)?.etag ?? ''}` };
    index = render(JSON.stringify({ paths }));
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
  res.writeHead(200, { 'Content-Type': doc.contentType, 'Content-Length': Buffer.byteLength(doc.body) });
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

/** The protobuf content types kube-openapi accepts for v2 (the second is the pre-1.14 spelling). */
const PROTOBUF_TYPES = new Set([GNOSTIC_V2_CONTENT_TYPE, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf']);
const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

/** The first media type in `Accept` that `/openapi/v2` serves, in the client's order; JSON without `Accept`. */
function v2Format(accept: string | undefined): 'json' | 'protobuf' | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    if (params.some((p) => /^q=0(?:\.0*)?$/.test(p))) continue;
    if (PROTOBUF_TYPES.has(type)) return 'protobuf';
    if (JSON_TYPES.has(type)) return 'json';
  }
  return undefined;
}

/**
 * Serves `/openapi/v2`: gnostic protobuf when `Accept` asks for it first, else
 * JSON; 406 NotAcceptable when `Accept` names neither. Both are built and
 * encoded on first use and kept.
 */
export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse): void {
  const format = v2Format(req.headers.accept);
  if (format === undefined) {
    throw new ApiError(406, 'NotAcceptable', `only application/json and ${GNOSTIC_V2_CONTENT_TYPE} are served at /openapi/v2`);
  }
  if (swagger === undefined) {
    const doc = buildSwaggerDocument();
    // Not GNOSTIC_V2_CONTENT_TYPE: client-go parses the response type, and '@' is no token character
    // there. kube-apiserver answers with what Go sniffs from protobuf bytes.
    swagger = { json: render(JSON.stringify(doc)), protobuf: render(encodeSwaggerDocument(doc), 'application/octet-stream') };
  }
  send(req, res, swagger[format], false);
}
