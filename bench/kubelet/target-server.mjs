// The probes' target in its own process (its CPU is not the poller's): HTTP 200 on every path.
import http from 'node:http';

const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
