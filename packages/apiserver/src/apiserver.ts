/**
 * The apiserver process: connects to NATS, opens the store, loads the watch
 * cache, starts the event publisher, makes sure the default namespaces exist,
 * and serves HTTP. It is the only component that touches storage.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Gauge } from 'prom-client';
import { ApiError, NAMESPACES, PRIORITYCLASSES } from '@skiff/api';
import { openJetStreamStore, type Store } from '@skiff/store';
import { createMetricsRegistry, instrumentNatsConnection, tracer, type Logger } from '@skiff/telemetry';
import { createAdmissionChain, SYSTEM_PRIORITY_CLASSES } from './admission/index.js';
import { GenericRegistry } from './registry/generic.js';
import { loadSchemaValidators } from './registry/schema-validation.js';
import { EventPublisher } from './storage/event-publisher.js';
import { WatchCache } from './storage/watch-cache.js';
import { createApiRequestHandler } from './http/server.js';
import { NatsApiResponder } from './nats/api-responder.js';
import { createServer } from 'node:http';
import { AuditLog, loadAuditPolicy } from './auth/audit.js';
import { Authenticator } from './auth/authenticator.js';
import { MaxInFlightLimiter } from './auth/max-in-flight.js';
import { ensureBootstrapPolicy } from './auth/bootstrap-policy.js';
import { createSecureRequestFilter, serviceAccountUidFromCache, type RequestFilter } from './auth/request-filter.js';
import { ServiceAccountTokenIssuer, ServiceAccountTokenVerifier } from './auth/service-account-token.js';
import { loadTokenFile } from './auth/token-file.js';
import { createSecureServer, type ServingTlsFiles } from './http/secure-server.js';

export interface ApiServerOptions {
  natsUrl: string;
  /**
   * Connect to NATS over TLS with this client certificate (a `tls://` URL to the
   * server `skiff up` configures). With it, a secure apiserver attributes each
   * request over NATS to the identity its subject names, which that server's
   * permissions guarantee; without it requests over NATS are anonymous.
   */
  natsTls?: NatsClientTlsFiles;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** How many recent changes the watch cache keeps for watches that resume (default 20,000). */
  watchCacheSize?: number;
  /**
   * Serve HTTPS with authentication (client certificates, tokens) and Node+RBAC
   * authorization. Without it the apiserver serves plain HTTP and allows every
   * request (unit tests and benchmarks).
   */
  security?: ApiServerSecurity;
}

/** PEM files of a NATS client: the CA that signed the server's certificate, the client certificate and key. */
export interface NatsClientTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The files of a secure apiserver. */
export interface ApiServerSecurity {
  tls: ServingTlsFiles;
  /** `--token-auth-file`: static bearer tokens (CSV). */
  tokenAuthFile?: string;
  /** PEM private key (P-256 or RSA) that signs and verifies ServiceAccount tokens. */
  serviceAccountKeyFile?: string;
  /** `--max-requests-inflight` (default 400) and `--max-mutating-requests-inflight` (default 200). */
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
  /** Where audit events go (JSON lines); none: no audit log. */
  auditLogPath?: string;
  /** audit.k8s.io/v1 Policy file; default: every request at Metadata. */
  auditPolicyFile?: string;
}

/** A running apiserver. */
export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly registry: GenericRegistry;
  stop(): Promise<void>;
}

/** Namespaces every cluster starts with. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensureNamespaces(registry: GenericRegistry): Promise<void> {
  for (const name of DEFAULT_NAMESPACES) {
    try {
      await registry.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
  // The built-in PriorityClasses, as kube-apiserver creates them at start.
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    try {
      await registry.create(PRIORITYCLASSES, '', structuredClone(pc));
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}

/**
 * The NATS client writes its buffer inline once `pendingLimit` bytes (32 KiB by
 * default, an option its types leave out) are queued; a turn's coalesced
 * publishes (a create is its object plus its event) would then cost one socket
 * write per few creates. 1 MiB lets a turn's publishes go out in one write.
 */
const ONE_WRITE_PER_TURN = { pendingLimit: 1024 * 1024 };

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { logger } = options;
  const nc: NatsConnection = await connect({
    servers: options.natsUrl,
    name: 'skiff-apiserver',
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
    ...ONE_WRITE_PER_TURN,
    ...(options.natsTls === undefined ? {} : { tls: { ...options.natsTls } }),
  });
  await loadSchemaValidators();
  const store = await openJetStreamStore(nc);
  const metrics = createMetricsRegistry('apiserver');
  instrumentNatsConnection(nc, metrics);
  const cache = new WatchCache(store, options.watchCacheSize === undefined ? {} : { historySize: options.watchCacheSize });
  await cache.start();
  const publishedRevision = new Gauge({
    name: 'skiff_apiserver_published_revision',
    help: 'The newest store revision published to the events stream with every earlier one.',
    registers: [metrics],
  });
  const cacheRevision = new Gauge({
    name: 'skiff_apiserver_watch_cache_revision',
    help: 'The newest store revision applied to the watch cache.',
    registers: [metrics],
    collect() {
      this.set(cache.revision);
    },
  });
  void cacheRevision;
  const publisher = await EventPublisher.create(nc, store, logger, (rev) => publishedRevision.set(rev), cache);
  await publisher.start();
  const registry = new GenericRegistry(
    store,
    cache,
    createAdmissionChain({ cache, store, logger, mountServiceAccountTokens: options.security?.serviceAccountKeyFile !== undefined }),
  );
  await ensureNamespaces(registry);
  const security = options.security;
  let secure: { filter: RequestFilter; stop: () => void } | undefined;
  let audit: AuditLog | undefined;
  if (security !== undefined) {
    if (security.auditLogPath !== undefined) {
      audit = new AuditLog(
        security.auditLogPath,
        security.auditPolicyFile === undefined ? undefined : loadAuditPolicy(security.auditPolicyFile),
      );
    }
    await ensureBootstrapPolicy(registry);
    const keyFile = security.serviceAccountKeyFile;
    const authenticator = new Authenticator({
      ...(security.tokenAuthFile === undefined ? {} : { staticTokens: loadTokenFile(security.tokenAuthFile) }),
      ...(keyFile === undefined
        ? {}
        : { serviceAccountTokens: ServiceAccountTokenVerifier.fromFile(keyFile, serviceAccountUidFromCache(cache)) }),
    });
    secure = createSecureRequestFilter({
      authenticator,
      cache,
      registry,
      ...(keyFile === undefined ? {} : { tokenIssuer: ServiceAccountTokenIssuer.fromFile(keyFile) }),
      limiter: new MaxInFlightLimiter({
        ...(security.maxRequestsInflight === undefined ? {} : { maxReadonly: security.maxRequestsInflight }),
        ...(security.maxMutatingRequestsInflight === undefined ? {} : { maxMutating: security.maxMutatingRequestsInflight }),
      }),
      ...(audit === undefined ? {} : { audit }),
    });
  }
  let ready = true;
  cache.failed.catch((err: unknown) => {
    ready = false;
    logger.error({ err }, 'watch cache lost its store watch');
  });
  const handler = createApiRequestHandler({
    registry,
    cache,
    store,
    logger,
    metrics,
    tracer: tracer('apiserver'),
    ready: () => ready,
    ...(secure === undefined ? {} : { filter: secure.filter }),
  });
  const tls = security === undefined ? undefined : createSecureServer(security.tls, handler, logger);
  const server: Server = tls?.server ?? createServer(handler);
  // Components keep connections open (keep-alive agents); close idle ones late so a reused socket is rarely cut mid-request.
  server.keepAliveTimeout = 65_000;
  const responder = new NatsApiResponder(nc, handler, logger, {
    trustSubjectIdentity: security !== undefined && options.natsTls !== undefined,
  });
  responder.start();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${options.port} on ${host} is already in use (apiserver): pick another with --port`)
          : err,
      );
    });
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host, port, revision: cache.revision }, 'apiserver serving');
  return {
    url: `${security === undefined ? 'http' : 'https'}://${host}:${port}`,
    port,
    store,
    registry,
    async stop() {
      await responder.stop();
      tls?.stopWatching();
      secure?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await audit?.close();
      registry.stop();
      await publisher.stop();
      await cache.stop();
      await store.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
