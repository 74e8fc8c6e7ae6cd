/** WireHeaders: the same bytes as nats.js's headers, the same refusals, and through a real nats-server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { WireHeaders } from '@skiff/api';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await nats.connect();
});
afterAll(async () => {
  await nats.stop();
});

/** nats.js's own encoding of the same appends. */
function natsEncoding(fields: Array<[string, string]>): Uint8Array {
  const h = headers();
  for (const [k, v] of fields) h.append(k, v);
  return (h as unknown as { encode(): Uint8Array }).encode();
}

describe('WireHeaders', () => {
  it('encodes exactly as nats.js does: order, trimming, repeated keys, UTF-8', () => {
    const cases: Array<Array<[string, string]>> = [
      [['Skiff-Op', 'ADDED']],
      [
        ['Skiff-Revision', '42'],
        ['Skiff-Event-Type', 'MODIFIED'],
        ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'],
      ],
      [
        ['Content-Type', '  application/json '],
        ['X-Twice', 'a'],
        ['Other', 'b'],
        ['X-Twice', 'c'],
      ],
      [['Note', 'ünïcødé ✓']],
    ];
    for (const fields of cases) {
      const ours = new WireHeaders();
      for (const [k, v] of fields) ours.append(k, v);
      expect(Buffer.from(ours.encode()).toString('utf8')).toBe(Buffer.from(natsEncoding(fields)).toString('utf8'));
    }
    const fromRecord = new WireHeaders({ A: '1', B: undefined, C: '3' });
    expect(Buffer.from(fromRecord.encode()).toString('utf8')).toBe('NATS/1.0\r\nA: 1\r\nC: 3\r\n\r\n');
    expect(new WireHeaders().encode().length).toBe(0);
  });

  it('answers lookups exactly, and set replaces', () => {
    const h = new WireHeaders({ 'Skiff-Op': 'ADDED' });
    h.append('X', '1');
    h.append('X', '2');
    expect([h.get('Skiff-Op'), h.get('skiff-op'), h.get('X'), h.last('X'), h.has('X'), h.has('Y')]).toEqual([
      'ADDED',
      '',
      '1',
      '2',
      true,
      false,
    ]);
    expect(h.keys()).toEqual(['Skiff-Op', 'X']);
    h.set('X', '3');
    expect(h.values('X')).toEqual(['3']);
    h.delete('Skiff-Op');
    expect([...h]).toEqual([['X', ['3']]]);
  });

  it('refuses what nats.js refuses: a value with CR or LF, a key with a colon, space or control character', () => {
    expect(() => new WireHeaders({ A: 'x\r\ny: z' })).toThrow();
    expect(() => new WireHeaders({ 'A:B': 'x' })).toThrow();
    expect(() => new WireHeaders({ 'A B': 'x' })).toThrow();
    expect(() => new WireHeaders({ '': 'x' })).toThrow();
  });

  it('reaches a subscriber through nats-server as the headers it was given', async () => {
    const got = new Promise<Msg>((resolve) => {
      const sub = nc.subscribe('wire.headers', {
        callback: (_err, m) => {
          sub.unsubscribe();
          resolve(m);
        },
      });
    });
    await nc.flush();
    nc.publish('wire.headers', 'body', { headers: new WireHeaders({ 'Skiff-Status': '201', 'Content-Type': 'application/json' }) });
    const m = await got;
    expect(m.headers?.get('Skiff-Status')).toBe('201');
    expect(m.headers?.get('Content-Type')).toBe('application/json');
    expect(m.string()).toBe('body');
  });
});
