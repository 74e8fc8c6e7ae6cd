/**
 * The consumer side of an event's trace: when an event's NATS message carries a `traceparent`
 * (the event publisher's producer span), the informer delivers it inside a `process` span that
 * is that producer span's child, so a pod's trace shows each component receiving its events.
 * Attributes follow the OpenTelemetry messaging conventions (`messaging.system = nats`).
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { KubeObject, ResourceDescriptor } from '@skiff/api';
import { contextFromTraceparent, tracer } from '@skiff/telemetry';

const deliveryTracer = tracer('informer');

/** The W3C header the event publisher sets. */
export const TRACEPARENT_HEADER = 'traceparent';

/** What the span records about one delivered event. */
export interface DeliveredEvent {
  desc: ResourceDescriptor;
  /** The consumer's filter subject: the low-cardinality name of what this informer follows. */
  filterSubject: string;
  subject: string;
  /** The message's `traceparent` header ('' when absent). */
  traceparent: string;
  /** `ADDED`, `MODIFIED` or `DELETED`. */
  type: string;
  revision: number;
  object: KubeObject;
}

function objectAttributes(desc: ResourceDescriptor, object: KubeObject): Attributes {
  const attributes: Attributes = { 'k8s.namespace.name': object.metadata?.namespace ?? '' };
  if (desc.resource === 'pods') {
    attributes['k8s.pod.name'] = object.metadata?.name ?? '';
    attributes['k8s.pod.uid'] = object.metadata?.uid ?? '';
  }
  return attributes;
}

/**
 * Runs `deliver` (which applies the event and calls the handlers, synchronously) inside a
 * consumer span when the message carries a trace context, else directly. `deliver` returns
 * whether the event reached the handlers (false: dropped as stale or a duplicate), recorded as
 * `skiff.event.delivered`, and is returned. Handlers see the span as the active one (`context.active()`), so
 * work they start later can link to it.
 */
export function withDeliverySpan(event: DeliveredEvent, deliver: () => boolean): boolean {
  const traceparent = event.traceparent;
  if (traceparent === '') return deliver();
  const parent = contextFromTraceparent(traceparent);
  const span = deliveryTracer.startSpan(
    `process ${event.filterSubject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': event.subject,
        'messaging.destination.template': event.filterSubject,
        'messaging.message.id': String(event.revision),
        'k8s.resource_version': event.revision,
        'skiff.event.type': event.type,
        ...objectAttributes(event.desc, event.object),
      },
    },
    parent,
  );
  try {
    const delivered = context.with(trace.setSpan(parent, span), deliver);
    span.setAttribute('skiff.event.delivered', delivered);
    return delivered;
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}
