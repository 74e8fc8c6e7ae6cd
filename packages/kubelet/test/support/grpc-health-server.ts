/**
 * Servers for the grpc probe tests, all on 127.0.0.1 and free ports: a gRPC health server on node:http2 (its
 * nghttp2 encoder Huffman-codes header strings and indexes fields in the dynamic table, so the native HPACK
 * decoder meets both), an HTTP/2 server that is not gRPC, an HTTP/1 server, a TCP server that never answers, and
 * a port with nothing listening.
 *
 * The health server answers grpc.health.v1.Health/Check per the request's service, as the standard health servers
 * do: '' and 'ready' SERVING, 'sick' NOT_SERVING, any other NotFound `unknown service` (trailers-only); the test
 * services 'hang' (never answers), 'no-health' (Unimplemented, as a server without the health service), 'odd'
 * (Internal with a percent-encoded message), 'big' (SERVING with a 32 KB header: CONTINUATION frames) and 'ping'
 * (SERVING after a PING from the server) cover the rest.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

export interface GrpcTestServers {
  health: number;
  notGrpc: number;
  http1: number;
  silent: number;
  closed: number;
  close(): Promise<void>;
}

/** The service name of a framed HealthCheckRequest (field 1; names shorter than 128 bytes). */
function serviceOf(body: Buffer): string {
  const message = body.subarray(5);
  return message[0] === 0x0a ? message.subarray(2, 2 + (message[1] ?? 0)).toString('utf8') : '';
}

function healthResponse(status: number): Buffer {
  return Buffer.from([0, 0, 0, 0, 2, 0x08, status]);
}

function answer(stream: http2.ServerHttp2Stream, service: string): void {
  if (service === 'hang') return;
  const trailersOnly = (code: number, message: string): void =>
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': code, 'grpc-message': message },
      { endStream: true },
    );
  if (service === 'no-health') return trailersOnly(12, 'unknown service grpc.health.v1.Health');
  if (service === 'odd') return trailersOnly(13, 'caf%C3%A9 at 100%25');
  const status = ['', 'ready', 'big', 'ping'].includes(service) ? 1 : service === 'sick' ? 2 : 0;
  if (status === 0) return trailersOnly(5, 'unknown service');
  if (service === 'ping') stream.session?.ping(() => undefined);
  // A header repeated in the trailers: nghttp2 sends it the second time as an index into its dynamic table.
  // 'big' adds a 32 KB header: the block spans a HEADERS frame and CONTINUATION frames.
  const extra = service === 'big' ? { 'x-skiff-padding': 'padding-'.repeat(4000) } : {};
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'x-skiff-test': 'repeated-field', ...extra },
    { waitForTrailers: true },
  );
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-skiff-test': 'repeated-field' }));
  stream.end(healthResponse(status));
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

export async function startGrpcTestServers(): Promise<GrpcTestServers> {
  const sessions = new Set<http2.ServerHttp2Session>();
  const health = http2.createServer();
  health.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  health.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': 12 }, { endStream: true });
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => answer(stream, serviceOf(Buffer.concat(chunks))));
  });
  const notGrpc = http2.createServer((req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such path'));
  notGrpc.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  const http1 = http.createServer((req, res) => res.writeHead(404).end());
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  const spare = net.createServer();
  const closed = await listen(spare);
  await new Promise((r) => spare.close(r));
  const ports = {
    health: await listen(health),
    notGrpc: await listen(notGrpc),
    http1: await listen(http1),
    silent: await listen(silent),
    closed,
  };
  return {
    ...ports,
    close: async () => {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      http1.closeAllConnections();
      await Promise.all([health, notGrpc, http1, silent].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
