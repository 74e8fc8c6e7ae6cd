/**
 * apimachinery types with their own JSON marshalling: metav1.Time (RFC 3339
 * seconds, `null` when zero), resource.Quantity (its string), intstr.IntOrString
 * (a number or a string) and metav1.FieldsV1 (raw JSON).
 */
import { message } from '../schema.js';
import { WireFormatError } from '../wire.js';

/** Go's `time.Time` JSON range: years 0000-9999. */
const MIN_SECONDS = -62167219200;
const MAX_SECONDS = 253402300799;

/** metav1.Time: `{seconds, nanos}` on the wire; JSON `null` when zero, else UTC RFC 3339 to the second. */
export const Time = message(
  'Time',
  [
    [1, 'seconds', 'int64', '!'],
    [2, 'nanos', 'int32', '!'],
  ],
  (t) => {
    const seconds = t['seconds'] as number;
    if (seconds === 0 && t['nanos'] === 0) return null;
    if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw new WireFormatError(`Time: ${seconds} seconds is outside years 0-9999`);
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  },
);

/** resource.Quantity: its canonical string on the wire and in JSON; `"0"` when empty. */
export const Quantity = message('Quantity', [[1, 'string', 'string', '!']], (q) => (q['string'] === '' ? '0' : q['string']));

/** intstr.IntOrString: type 0 → the integer, type 1 → the string. */
export const IntOrString = message(
  'IntOrString',
  [
    [1, 'type', 'int64', '!'],
    [2, 'intVal', 'int32', '!'],
    [3, 'strVal', 'string', '!'],
  ],
  (v) => {
    if (v['type'] === 0) return v['intVal'];
    if (v['type'] === 1) return v['strVal'];
    throw new WireFormatError(`IntOrString: type ${String(v['type'])} is neither 0 (int) nor 1 (string)`);
  },
);

/** metav1.FieldsV1: the raw JSON of a managed-fields set. */
export const FieldsV1 = message('FieldsV1', [[1, 'raw', 'bytes', '!']], (f) => {
  const raw = f['raw'];
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
  } catch {
    throw new WireFormatError('FieldsV1: raw is not JSON');
  }
});
