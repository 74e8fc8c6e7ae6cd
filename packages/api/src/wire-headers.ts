/**
 * NATS message headers built from fields known up front, for the hot
 * publishing paths (the store's writes, the event publisher, the API's NATS
 * replies). nats.js's own headers (`headers()`) look every key up through
 * arrays it builds on each `set`, validate with a fresh regular expression per
 * value, and encode through a TextEncoder (an ArrayBuffer per message): a
 * fifth of the allocations of a scheduler's bind load. Here the fields are an
 * ordered list, the wire text is built once on `encode()` (what the client's
 * publish calls) and its bytes come from Node's buffer pool.
 *
 * Contract: the same wire format as nats.js (`NATS/1.0`, then `Key: value`
 * lines, keys exactly as given, values trimmed, then an empty line); a key
 * outside printable ASCII or containing `:`, or a value containing CR or LF,
 * throws as nats.js's does. Lookups match keys exactly (nats.js's default).
 */
import type { MsgHdrs } from '@nats-io/transport-node';

const VALID_KEY = /^[\x21-\x39\x3b-\x7e]+$/;
const CR_OR_LF = /[\r\n]/;

function checkKey(key: string): string {
  if (!VALID_KEY.test(key)) throw new Error(`invalid header key: ${JSON.stringify(key)}`);
  return key;
}

function checkValue(value: string): string {
  if (CR_OR_LF.test(value)) throw new Error('header values cannot contain \\r or \\n');
  return value.trim();
}

export class WireHeaders implements MsgHdrs {
  private readonly fields: Array<[string, string]> = [];

  /** Headers with `fields`, in their order (undefined values are left out). */
  constructor(fields: Record<string, string | undefined> = {}) {
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (value !== undefined) this.fields.push([checkKey(key), checkValue(value)]);
    }
  }

  get hasError(): boolean {
    return false;
  }
  get status(): string {
    return '';
  }
  get code(): number {
    return 0;
  }
  get description(): string {
    return '';
  }

  get(k: string): string {
    for (const [key, value] of this.fields) if (key === k) return value;
    return '';
  }
  last(k: string): string {
    let last = '';
    for (const [key, value] of this.fields) if (key === k) last = value;
    return last;
  }
  has(k: string): boolean {
    return this.fields.some(([key]) => key === k);
  }
  keys(): string[] {
    return [...new Set(this.fields.map(([key]) => key))];
  }
  values(k: string): string[] {
    return this.fields.filter(([key]) => key === k).map(([, value]) => value);
  }
  set(k: string, v: string): void {
    this.delete(k);
    this.append(k, v);
  }
  append(k: string, v: string): void {
    this.fields.push([checkKey(k), checkValue(v)]);
  }
  delete(k: string): void {
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]?.[0] === k) this.fields.splice(i, 1);
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const key of this.keys()) yield [key, this.values(key)];
  }

  /** The wire bytes, as nats.js's publish asks for them. */
  encode(): Uint8Array {
    if (this.fields.length === 0) return new Uint8Array(0);
    let text = 'NATS/1.0';
    // Grouped by key in first-appearance order, as nats.js writes its Map of arrays.
    if (this.hasRepeatedKey()) {
      for (const key of this.keys()) for (const value of this.values(key)) text += `\r\n${key}: ${value}`;
    } else {
      for (const [key, value] of this.fields) text += `\r\n${key}: ${value}`;
    }
    return Buffer.from(`${text}\r\n\r\n`, 'utf8');
  }

  private hasRepeatedKey(): boolean {
    for (let i = 1; i < this.fields.length; i++) {
      for (let j = 0; j < i; j++) if (this.fields[i]?.[0] === this.fields[j]?.[0]) return true;
    }
    return false;
  }
}
