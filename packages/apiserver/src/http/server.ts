/**
 * The apiserver's HTTP front: health, version, discovery, OpenAPI, metrics,
 * and the resource paths. Every response to a failed request is a Status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ApiError } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import { contextFromHeaders, serveMetrics, startServerSpan } from '@skiff/telemetry';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedDiscoveryVersion,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from './discovery.js';
import type { RequestFilter } from '../auth/request-filter.js';
import { customResourceDefinitionList } from './custom-resources.js';
import { handleResource, type HandlerContext } from './handler.js';
import { serveOpenApi, serveOpenApiV2 } from './openapi.js';
import { writeError, writeJson } from './respond.js';
import { parseApiPath, type ApiRoute } from './route.js';

/** What `/version` reports; kubectl's launcher picks its client by `minor`. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-skiff.0.1.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-28T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export interface HttpServerDeps extends HandlerContext {
  logger: Logger;
  metrics: Registry;
  tracer: Tracer;
  /** Readiness: true once the watch cache is loaded and the publisher runs. */
  ready: () => boolean;
  /** Authentication and authorization before routing (a secure apiserver); none: every request passes. */
  filter?: RequestFilter;
}

function requestVerb(req: IncomingMessage, url: URL, hasName: boolean): string {
  const m = req.method ?? 'GET';
  if (m === 'GET') {
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return 'WATCH';
    return hasName ? 'GET' : 'LIST';
  }
  return m;
}

/** A request handler with Node's http signature; the HTTP server and the NATS responder share it. */
export type ApiRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Builds (does not start) the HTTP server. */
export function createApiHttpServer(deps: HttpServerDeps): Server {
  return createServer(createApiRequestHandler(deps));
}

/** The request chain as one handler: routing, metrics, tracing, Status errors. */
export function createApiRequestHandler(deps: HttpServerDeps): ApiRequestHandler {
  const requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, version, resource and HTTP response code.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'code'],
    registers: [deps.metrics],
  });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, version, resource and subresource.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [deps.metrics],
  });
  const longRunning = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version and resource.',
    labelNames: ['verb', 'group', 'version', 'resource'],
    registers: [deps.metrics],
  });
  const ctx: HandlerContext = {
    ...deps,
    onWatchStart: (resource) => {
      longRunning.inc({ verb: 'WATCH', group: '', version: 'v1', resource });
      return () => longRunning.dec({ verb: 'WATCH', group: '', version: 'v1', resource });
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL, apiRoute: ApiRoute | undefined): Promise<void> => {
    if (deps.filter !== undefined && (await deps.filter(req, res, url, apiRoute))) return;
    const path = url.pathname.replace(/\/+$/, '') || '/';
    switch (path) {
      case '/healthz':
      case '/livez':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return;
      case '/readyz':
        if (deps.ready()) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        else res.writeHead(503, { 'Content-Type': 'text/plain' }).end('[-]watch-cache not ready');
        return;
      case '/version':
        writeJson(res, 200, VERSION_INFO);
        return;
      case '/metrics':
        await serveMetrics(deps.metrics, req, res);
        return;
      case '/api':
      case '/apis': {
        const agg = aggregatedDiscoveryVersion(req);
        if (agg !== undefined) {
          writeJson(res, 200, aggregatedDiscovery(path === '/api' ? 'api' : 'apis', agg), aggregatedContentType(agg));
        } else {
          writeJson(res, 200, path === '/api' ? apiVersions(req.headers.host ?? '') : apiGroupList());
        }
        return;
      }
      case '/openapi/v3':
        serveOpenApi(req, res, undefined, url.searchParams);
        return;
      case '/openapi/v2':
        serveOpenApiV2(req, res);
        return;
      default:
        break;
    }
    if (path.startsWith('/openapi/v3/')) {
      serveOpenApi(req, res, path.slice('/openapi/v3/'.length), url.searchParams);
      return;
    }
    const gv = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (gv !== null) {
      const list = path.startsWith('/api/') ? apiResourceList('', gv[1] ?? '') : apiResourceList(gv[1] ?? '', gv[2] ?? '');
      if (list === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      writeJson(res, 200, list);
      return;
    }
    const crds = customResourceDefinitionList(req, url, apiRoute);
    if (crds !== undefined) {
      writeJson(res, 200, crds);
      return;
    }
    const route = apiRoute;
    if (route === undefined || route.kind === 'unknown') {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    await handleResource(req, res, url, route, ctx);
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://apiserver');
    const route = parseApiPath(url.pathname);
    const labels =
      route?.kind === 'resource'
        ? {
            verb: requestVerb(req, url, route.name !== undefined),
            group: route.desc.group,
            version: route.desc.version,
            resource: route.desc.resource,
            subresource: route.subresource ?? '',
          }
        : undefined;
    const parent = contextFromHeaders(req.headers);
    // Under an unsampled parent (or, with no exporter, as a root) no span is recorded: none is started.
    const span = startServerSpan(
      deps.tracer,
      `${req.method ?? 'GET'} ${labels?.resource ?? url.pathname}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': url.pathname, 'k8s.verb': labels?.verb ?? '' },
      },
      parent,
    );
    context
      .with(trace.setSpan(parent, span), () => handle(req, res, url, route))
      .catch((err: unknown) => {
        const apiErr = writeError(res, err);
        if (apiErr.code >= 500) {
          deps.logger.error({ err, path: url.pathname, method: req.method }, 'request failed');
          span.setStatus({ code: SpanStatusCode.ERROR, message: apiErr.message });
        }
      })
      .finally(() => {
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
        if (labels !== undefined) {
          requests.inc({ ...labels, code: String(res.statusCode) });
          if (labels.verb !== 'WATCH') duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        }
      });
  };
}
