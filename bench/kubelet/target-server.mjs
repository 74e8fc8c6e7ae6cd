// The probes' targets in their own process (their CPU is not the poller's): HTTP 200 on every path, and a gRPC
// health server (node:http2) answering grpc.health.v1.Health/Check with SERVING. Prints "<http port> <grpc port>".
import http from 'node:http';
import http2 from 'node:http2';

const server = http.createServer((req, res) => res.end('ok'));
const grpc = http2.createServer().on('stream', (stream) => {
  stream.on('error', () => undefined);
  stream.resume();
  stream.once('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]));
  });
});
const listening = (s) => new Promise((r) => s.listen(0, '127.0.0.1', r));
await Promise.all([listening(server), listening(grpc)]);
process.stdout.write(`${server.address().port} ${grpc.address().port}\n`);
process.on('SIGTERM', () => {
  grpc.close();
  server.close(() => process.exit(0));
});
