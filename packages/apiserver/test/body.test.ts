import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { presetRequestBody, readBody } from '../src/http/body.js';

/** Each request's readBody outcome (limit 16 bytes), answered as 200 + length or 413. */
let server: ReturnType<typeof createServer>;
let port = 0;
/** Status codes of the errors readBody rejected with. */
const refusals: unknown[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    readBody(req, 16).then(
      (body) => res.end(`ok ${body.length} ${body.toString('utf8')}`),
      (err: unknown) => {
        refusals.push((err as { code?: unknown }).code);
        res.statusCode = (err as { code?: number }).code === 413 ? 413 : 500;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Sends `chunks` as a chunked body (no Content-Length); resolves with status and text. */
function send(chunks: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // Past the limit the server stops reading and drops the connection (as for an aborted upload).
    req.on('error', (err) => (/ECONNRESET|EPIPE|socket hang up/.test(String(err)) ? resolve({ status: 0, text: '' }) : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readBody', () => {
  it('joins the chunks of a body within the limit', async () => {
    expect(await send(['abc', 'def'])).toEqual({ status: 200, text: 'ok 6 abcdef' });
    expect(await send([])).toEqual({ status: 200, text: 'ok 0 ' });
  });

  it('refuses a chunked body past the limit with 413', async () => {
    await send(['0123456789', '0123456789']);
    expect(refusals).toEqual([413]);
  });
});

describe('presetRequestBody (a NATS request: the body arrived with it)', () => {
  /** A request object with no stream behind it, as the NATS responder builds. */
  const bare = (length: number): IncomingMessage =>
    Object.assign(new EventEmitter(), {
      method: 'POST',
      url: '/',
      headers: { 'content-length': String(length) },
    }) as unknown as IncomingMessage;

  it('is what readBody answers, without reading a stream', async () => {
    const req = bare(5);
    presetRequestBody(req, Buffer.from('hello'));
    expect((await readBody(req, 16)).toString('utf8')).toBe('hello');
  });

  it('is refused with 413 past the limit', async () => {
    const req = bare(20);
    presetRequestBody(req, Buffer.alloc(20));
    await expect(readBody(req, 16)).rejects.toMatchObject({ code: 413 });
  });
});
