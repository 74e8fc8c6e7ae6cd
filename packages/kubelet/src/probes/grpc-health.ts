/**
 * The gRPC Health Checking Protocol as a grpc probe speaks it (grpc.health.v1.Health/Check over h2c), and what a
 * finished call means in upstream's words (pkg/probe/grpc: `service healthy`, `service unhealthy (responded with
 * "NOT_SERVING")`, grpc-go's `rpc error: code = … desc = …`). Pure functions: the twin's run (ts-grpc-run.ts) feeds
 * them; the native poller implements the same rules in C++ (probe_grpc.cc).
 */

/** The request path of the health check. */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** grpc-go's names of the status codes (codes.Code's String()). */
const CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;

export const GRPC_UNKNOWN = 2;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNIMPLEMENTED = 12;

/** grpc-go's status code for a non-gRPC HTTP response (others: Unknown). */
const HTTP_TO_GRPC: Readonly<Record<number, number>> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

/** Go's http.StatusText for the statuses a misdirected probe meets (others: ''). */
const HTTP_STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** HealthCheckResponse.ServingStatus names. */
const SERVING_STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
const SERVING = 1;

export interface GrpcOutcome {
  result: 'success' | 'failure';
  output: string;
}

/** Go's time.Duration String() for a whole number of milliseconds (`1s`, `1m30s`, `300ms`). */
export function goDuration(ms: number): string {
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const millis = whole % 60_000;
  const fraction =
    millis % 1000 === 0
      ? ''
      : `.${String(millis % 1000)
          .padStart(3, '0')
          .replace(/0+$/, '')}`;
  const seconds = `${Math.floor(millis / 1000)}${fraction}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** The probe's failure when the connection (TCP and the server's HTTP/2 SETTINGS) is not made in time or fails. */
export function dialFailure(hostPort: string, timeoutMs: number): string {
  return `timeout: failed to connect service ${JSON.stringify(hostPort)} within ${goDuration(timeoutMs)}: context deadline exceeded`;
}

/** The probe's output for a call that ended with gRPC status `code` (non-zero) and `message`. */
export function rpcFailure(code: number, message: string, timeoutMs: number): string {
  if (code === GRPC_UNIMPLEMENTED) {
    return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}`;
  }
  if (code === GRPC_DEADLINE_EXCEEDED) return `timeout: health rpc did not complete within ${goDuration(timeoutMs)}`;
  const name = CODE_NAMES[code] ?? `Code(${code})`;
  return `error: health rpc probe failed: rpc error: code = ${name} desc = ${message}`;
}

/** Protobuf HealthCheckRequest{service = 1} in a gRPC message frame (flag 0, 4-byte big-endian length). */
export function healthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** grpc-message is percent-encoded; invalid escapes stay as they are. */
export function decodeGrpcMessage(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The ServingStatus of a HealthCheckResponse message body, undefined when it is not valid protobuf. */
export function servingStatusOf(body: Buffer): number | undefined {
  let status = 0;
  let at = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = body[at++];
      if (b === undefined) return undefined;
      if (shift < 35) value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < body.length) {
    const tag = readVarint();
    if (tag === undefined) return undefined;
    const wire = tag % 8;
    if (wire === 0) {
      const v = readVarint();
      if (v === undefined) return undefined;
      if (Math.floor(tag / 8) === 1) status = v % 2 ** 32;
    } else if (wire === 2) {
      const len = readVarint();
      if (len === undefined || at + len > body.length) return undefined;
      at += len;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > body.length) return undefined;
    } else {
      return undefined;
    }
  }
  return status;
}

/** What the server answered: response headers, trailers (absent for a trailers-only answer) and the DATA bytes. */
export interface GrpcAnswer {
  /** `:status`; undefined when missing. */
  httpStatus: number | undefined;
  contentType: string | undefined;
  /** grpc-status and grpc-message: from the trailers, or from the headers of a trailers-only answer. */
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  body: Buffer;
}

const isGrpcContentType = (ct: string): boolean =>
  ct === 'application/grpc' || (ct.startsWith('application/grpc') && (ct[16] === '+' || ct[16] === ';'));

/**
 * The failure when the answer's headers are not a gRPC answer (HTTP status not 200, content-type not gRPC's):
 * grpc-go ends the call on such headers at once. Undefined when they are a gRPC answer's.
 */
export function headersFailure(
  httpStatus: number | undefined,
  contentType: string | undefined,
  timeoutMs: number,
): GrpcOutcome | undefined {
  const grpc = contentType !== undefined && isGrpcContentType(contentType);
  if (grpc && httpStatus === 200) return undefined;
  const errs: string[] = [];
  let code = GRPC_INTERNAL;
  if (httpStatus === undefined) {
    errs.push('malformed header: missing HTTP status');
  } else {
    code = HTTP_TO_GRPC[httpStatus] ?? GRPC_UNKNOWN;
    if (httpStatus !== 200) {
      errs.push(`unexpected HTTP status code received from server: ${httpStatus} (${HTTP_STATUS_TEXT[httpStatus] ?? ''})`);
    }
  }
  if (contentType === undefined) errs.push('malformed header: missing HTTP content-type');
  else if (!grpc) errs.push(`transport: received unexpected content-type ${JSON.stringify(contentType)}`);
  return { result: 'failure', output: rpcFailure(code, errs.join('; '), timeoutMs) };
}

/** The result of a call whose answer ended (END_STREAM). */
export function answerOutcome(answer: GrpcAnswer, timeoutMs: number): GrpcOutcome {
  const fail = (code: number, message: string): GrpcOutcome => ({ result: 'failure', output: rpcFailure(code, message, timeoutMs) });
  const notGrpc = headersFailure(answer.httpStatus, answer.contentType, timeoutMs);
  if (notGrpc !== undefined) return notGrpc;
  if (answer.grpcStatus === undefined) return fail(GRPC_INTERNAL, 'server closed the stream without sending trailers');
  const code = /^\d+$/.test(answer.grpcStatus) ? Number(answer.grpcStatus) : GRPC_UNKNOWN;
  if (code !== 0) return fail(code, decodeGrpcMessage(answer.grpcMessage ?? ''));
  const body = answer.body;
  if (body.length < 5) return fail(GRPC_INTERNAL, 'cardinality violation: received no response message from non-server-streaming RPC');
  if (body[0] !== 0) return fail(GRPC_INTERNAL, 'grpc: compressed flag set with identity or empty encoding');
  const length = body.readUInt32BE(1);
  const status = body.length < 5 + length ? undefined : servingStatusOf(body.subarray(5, 5 + length));
  if (status === undefined) return fail(GRPC_INTERNAL, 'grpc: failed to unmarshal the received message');
  if (status === SERVING) return { result: 'success', output: 'service healthy' };
  const name = SERVING_STATUS_NAMES[status] ?? String(status);
  return { result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(name)})` };
}

/** HTTP/2 error code names (RST_STREAM, GOAWAY) as Go's http2 package prints them. */
const H2_ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
] as const;

/** The call's end when the server reset its stream with HTTP/2 error `h2Code`. */
export function resetOutcome(h2Code: number, timeoutMs: number): GrpcOutcome {
  const code = h2Code === 7 ? GRPC_UNAVAILABLE : h2Code === 8 ? 1 : GRPC_INTERNAL;
  const name = H2_ERROR_NAMES[h2Code] ?? `unknown error code 0x${h2Code.toString(16)}`;
  return { result: 'failure', output: rpcFailure(code, `stream terminated by RST_STREAM with error code: ${name}`, timeoutMs) };
}

/** The call's end when the connection closed before the answer did. */
export function closedOutcome(timeoutMs: number): GrpcOutcome {
  return { result: 'failure', output: rpcFailure(GRPC_UNAVAILABLE, 'error reading from server: EOF', timeoutMs) };
}
