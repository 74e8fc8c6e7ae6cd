/**
 * One grpc probe run with node:http2 (h2c with prior knowledge): the TypeScript twin's side of probe_grpc.cc.
 * The connection counts as made when the server's SETTINGS arrive (grpc-go's blocking dial waits for that too);
 * a failure or the deadline before then is upstream's `timeout: failed to connect service …`, the deadline after
 * it `timeout: health rpc did not complete within …`. grpc-health.ts says what an answer means.
 */
import http2 from 'node:http2';
import { PROBE_USER_AGENT, type ProbeSpec } from './contract.js';
import { hostPort } from './go-errors.js';
import {
  HEALTH_CHECK_PATH,
  answerOutcome,
  closedOutcome,
  dialFailure,
  headersFailure,
  healthCheckRequest,
  resetOutcome,
  rpcFailure,
} from './grpc-health.js';
import { withDeadline, type ActiveRun } from './ts-runs.js';

const DEADLINE_EXCEEDED = 4;

const header = (h: http2.IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export function runGrpc(spec: Extract<ProbeSpec, { kind: 'grpc' }>): ActiveRun {
  const where = hostPort(spec.host, spec.port);
  let connected = false;
  const timeoutOutput = (): string => (connected ? rpcFailure(DEADLINE_EXCEEDED, '', spec.timeoutMs) : dialFailure(where, spec.timeoutMs));
  return withDeadline(spec.timeoutMs, timeoutOutput, (finish) => {
    const session = http2.connect(`http://${where}`, { settings: { enablePush: false } });
    const onClosed = (): void =>
      finish(connected ? closedOutcome(spec.timeoutMs) : { result: 'failure', output: dialFailure(where, spec.timeoutMs) });
    session.once('remoteSettings', () => (connected = true));
    session.on('error', onClosed);
    session.once('close', onClosed);
    const req = session.request(
      {
        ':method': 'POST',
        ':scheme': 'http',
        ':path': HEALTH_CHECK_PATH,
        ':authority': where,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': PROBE_USER_AGENT,
        'grpc-timeout': `${Math.max(1, Math.round(spec.timeoutMs))}m`,
      },
      { endStream: false },
    );
    let headers: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let ended = false;
    const chunks: Buffer[] = [];
    const answer = (): Parameters<typeof answerOutcome>[0] => {
      const h = headers ?? {};
      const status = h[':status'];
      const last = trailers ?? h;
      return {
        httpStatus: typeof status === 'number' ? status : status === undefined ? undefined : Number(status),
        contentType: header(h, 'content-type'),
        grpcStatus: header(last, 'grpc-status'),
        grpcMessage: header(last, 'grpc-message'),
        body: Buffer.concat(chunks),
      };
    };
    req.on('response', (h) => {
      headers = h;
      const { httpStatus, contentType } = answer();
      const notGrpc = headersFailure(httpStatus, contentType, spec.timeoutMs);
      if (notGrpc !== undefined) finish(notGrpc);
    });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('trailers', (t: http2.IncomingHttpHeaders) => (trailers = t));
    req.on('end', () => (ended = true));
    req.on('error', () => undefined);
    req.once('close', () => {
      if (headers !== undefined && ended) finish(answerOutcome(answer(), spec.timeoutMs));
      // A reset from the server (node also resets the streams of a session that failed: that is onClosed's).
      else if (!session.destroyed && req.rstCode !== undefined && req.rstCode !== 0) finish(resetOutcome(req.rstCode, spec.timeoutMs));
      else onClosed();
    });
    req.end(healthCheckRequest(spec.service));
    return () => session.destroy();
  });
}
