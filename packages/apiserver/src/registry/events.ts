/** core/v1 Events: `kubectl get events` and `kubectl describe` read them. */
import { randomUUID } from 'node:crypto';
import { EVENTS, type Event, type KubeObject } from '@skiff/api';
import { column, humanDuration, type TablePrinter } from '../http/table.js';
import type { ResourceStrategy } from './strategy.js';
import { cause } from './strategy.js';
import { validateObjectMeta } from './validation.js';

function lastSeen(e: Event, now: number): string {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t === undefined ? '<unknown>' : humanDuration(now - Date.parse(String(t)));
}

const eventPrinter: TablePrinter = {
  columns: [
    column('Last Seen'),
    column('Type'),
    column('Reason'),
    column('Object'),
    column('Subobject', 'string', 1),
    column('Source', 'string', 1),
    column('Message'),
    column('First Seen', 'string', 1),
    column('Count', 'string', 1),
    column('Name', 'string', 1),
  ],
  row(object: KubeObject, now: number) {
    const e = object as Event;
    const first = e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
    return [
      lastSeen(e, now),
      e.type ?? '',
      e.reason ?? '',
      `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`,
      e.involvedObject.fieldPath ?? '',
      [e.source?.component, e.source?.host].filter((x) => x !== undefined && x !== '').join(', '),
      e.message ?? '',
      first === undefined ? '<unknown>' : humanDuration(now - Date.parse(String(first))),
      String(e.count ?? 1),
      e.metadata?.name ?? '',
    ];
  },
};

export const eventStrategy: ResourceStrategy = {
  desc: EVENTS,
  fieldSelectors: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  table: eventPrinter,
  prepareForCreate(object) {
    object.metadata ??= {};
    object.metadata.uid ??= randomUUID();
  },
  prepareForUpdate() {
    // Events have no status: updates replace the whole object.
  },
  validate(object) {
    const causes = validateObjectMeta(object, 'subdomain');
    if ((object as Partial<Event>).involvedObject === undefined)
      causes.push(cause('FieldValueRequired', 'involvedObject', 'Required value'));
    return causes;
  },
  deletionGracePeriod() {
    return 0;
  },
};
