/**
 * Test support: a TCP proxy that records what a server sends, and a scan of the HPACK representations in the
 * recorded HTTP/2 header blocks, so a test can show which parts of HPACK a client's decoder met (Huffman-coded
 * strings, dynamic table references, table size updates, CONTINUATION frames). Only what the scan needs is parsed.
 */
import net from 'node:net';

export interface HpackUse {
  huffmanStrings: number;
  dynamicIndexes: number;
  sizeUpdates: number;
  continuationFrames: number;
}

export interface RecordingProxy {
  port: number;
  /** Every byte the server sent, per connection. */
  fromServer: Buffer[][];
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to 127.0.0.1:<target>, recording the server's bytes. */
export async function recordingProxy(target: number): Promise<RecordingProxy> {
  const fromServer: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    const chunks: Buffer[] = [];
    fromServer.push(chunks);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (c: Buffer) => chunks.push(c));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    fromServer,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function integer(block: Buffer, at: number, prefix: number): [number, number] {
  const mask = (1 << prefix) - 1;
  let value = (block[at] ?? 0) & mask;
  let i = at + 1;
  if (value < mask) return [value, i];
  for (let shift = 0; ; shift += 7) {
    const b = block[i++] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i];
  }
}

/** Counts the HPACK features used in the HEADERS and CONTINUATION frames of a server's byte stream. */
export function scanHpack(stream: Buffer): HpackUse {
  const use: HpackUse = { huffmanStrings: 0, dynamicIndexes: 0, sizeUpdates: 0, continuationFrames: 0 };
  const string = (block: Buffer, at: number): number => {
    if (((block[at] ?? 0) & 0x80) !== 0) use.huffmanStrings++;
    const [length, next] = integer(block, at, 7);
    return next + length;
  };
  for (let at = 0; at + 9 <= stream.length;) {
    const length = stream.readUIntBE(at, 3);
    const type = stream[at + 3];
    const flags = stream[at + 4] ?? 0;
    let block = stream.subarray(at + 9, at + 9 + length);
    at += 9 + length;
    if (type !== 1 && type !== 9) continue;
    if (type === 9) use.continuationFrames++;
    if (type === 1 && (flags & 0x8) !== 0) block = block.subarray(1, block.length - (block[0] ?? 0));
    if (type === 1 && (flags & 0x20) !== 0) block = block.subarray(5);
    for (let i = 0; i < block.length;) {
      const b = block[i] ?? 0;
      if ((b & 0x80) !== 0) {
        const [index, next] = integer(block, i, 7);
        if (index > 61) use.dynamicIndexes++;
        i = next;
      } else if ((b & 0xe0) === 0x20) {
        use.sizeUpdates++;
        i = integer(block, i, 5)[1];
      } else {
        const [index, next] = integer(block, i, (b & 0x40) !== 0 ? 6 : 4);
        if (index > 61) use.dynamicIndexes++;
        i = string(block, index === 0 ? string(block, next) : next);
      }
    }
  }
  return use;
}
