/** The bus metrics of a real NATS connection, read from a component registry. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createMetricsRegistry, instrumentNatsConnection, natsMetricsOf } from '@skiff/telemetry';
import { startTestNats, type TestNats } from '../../../test/support/nats.js';

let nats: TestNats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

async function value(registry: ReturnType<typeof createMetricsRegistry>, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = (metric?.values ?? []).find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(sample?.value ?? Number.NaN);
}

describe('NATS bus metrics', () => {
  it("count the connection's messages and bytes at scrape time, once per connection", async () => {
    const registry = createMetricsRegistry('test', false);
    const metrics = instrumentNatsConnection(nc, registry);
    expect(instrumentNatsConnection(nc, registry)).toBe(metrics);
    expect(natsMetricsOf(nc)).toBe(metrics);
    const sub = nc.subscribe('bus.test', { max: 10 });
    for (let i = 0; i < 10; i++) nc.publish('bus.test', 'x'.repeat(100));
    for await (const _ of sub) void _;
    const out = await value(registry, 'skiff_nats_client_messages_total', { direction: 'out' });
    expect(out).toBeGreaterThanOrEqual(10);
    expect(await value(registry, 'skiff_nats_client_messages_total', { direction: 'in' })).toBeGreaterThanOrEqual(10);
    expect(await value(registry, 'skiff_nats_client_bytes_total', { direction: 'out' })).toBeGreaterThanOrEqual(1000);
    // A second scrape adds only what happened since.
    nc.publish('bus.other', 'y');
    await nc.flush();
    expect(await value(registry, 'skiff_nats_client_messages_total', { direction: 'out' })).toBeGreaterThanOrEqual(out + 1);
  });

  it('record informer events, delay, backlog and re-lists by resource', async () => {
    const registry = createMetricsRegistry('test', false);
    const other = await connect({ servers: nats.url });
    const metrics = instrumentNatsConnection(other, registry);
    metrics.informerStarted('pods');
    expect(await value(registry, 'skiff_informer_relists_total', { resource: 'pods' })).toBe(0);
    metrics.eventConsumed({ resource: 'pods', delivered: true, storedAtMs: Date.now() - 20, pending: 3, redelivered: false });
    metrics.eventConsumed({ resource: 'pods', delivered: false, storedAtMs: Date.now(), pending: 2, redelivered: true });
    metrics.relisted('pods');
    expect(await value(registry, 'skiff_informer_events_total', { resource: 'pods', result: 'delivered' })).toBe(1);
    expect(await value(registry, 'skiff_informer_events_total', { resource: 'pods', result: 'dropped' })).toBe(1);
    expect(await value(registry, 'skiff_informer_consumer_pending_events', { resource: 'pods' })).toBe(2);
    expect(await value(registry, 'skiff_informer_redelivered_events_total', { resource: 'pods' })).toBe(1);
    expect(await value(registry, 'skiff_informer_relists_total', { resource: 'pods' })).toBe(1);
    expect(await registry.metrics()).toMatch(/^skiff_informer_event_delay_seconds_count\{component="test",resource="pods"\} 2$/m);
    await other.close();
  });
});
