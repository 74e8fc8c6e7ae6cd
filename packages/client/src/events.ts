/** Records core/v1 Events about objects, as `kubectl describe` shows them. */
import { EVENTS, nowTimestamp, type Event, type KubeObject } from '@skiff/api';
import type { Logger } from '@skiff/telemetry';
import type { ApiClient } from './api-client.js';

export class EventRecorder {
  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly host?: string,
  ) {}

  /** Records an event; failures are logged, never thrown (events are best effort, as upstream). */
  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const meta = object.metadata ?? {};
    const namespace = meta.namespace !== undefined && meta.namespace !== '' ? meta.namespace : 'default';
    const now = nowTimestamp();
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${meta.name ?? 'object'}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
        namespace,
      },
      involvedObject: {
        kind: object.kind,
        apiVersion: object.apiVersion,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      reason,
      message,
      type,
      source: this.host === undefined ? { component: this.component } : { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    this.client.create(EVENTS, namespace, event).catch((err: unknown) => this.logger.debug({ err, reason }, 'recording an event failed'));
  }
}
