/** eventHeaders reads what MsgHdrs.get would, in one pass. */
import { describe, expect, it } from 'vitest';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { EVENT_TYPE_HEADER, REVISION_HEADER } from '@skiff/api';
import { eventHeaders } from '../src/informer.js';

function viaGet(h: MsgHdrs | undefined) {
  return {
    revision: Number(h?.get(REVISION_HEADER) ?? 0),
    type: h?.get(EVENT_TYPE_HEADER) || 'MODIFIED',
    traceparent: h?.get('traceparent') ?? '',
  };
}

describe('eventHeaders', () => {
  it('matches get() for full, partial, differently-cased and absent headers', () => {
    const full = natsHeaders();
    full.set(REVISION_HEADER, '42');
    full.set(EVENT_TYPE_HEADER, 'DELETED');
    full.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    full.set('Other', 'x');
    const partial = natsHeaders();
    partial.set(REVISION_HEADER, '7');
    const cased = natsHeaders();
    cased.set(REVISION_HEADER.toLowerCase(), '9');
    cased.set('TraceParent', 'ignored: keys match exactly');
    for (const h of [full, partial, cased, natsHeaders(), undefined]) expect(eventHeaders(h)).toEqual(viaGet(h));
    expect(eventHeaders(full)).toEqual({ revision: 42, type: 'DELETED', traceparent: full.get('traceparent') });
  });
});
