/**
 * One trace per pod lifecycle, across processes: spans from the apiserver, the
 * scheduler and the kubelet, exported over OTLP (HTTP, JSON) to a receiver in
 * this test, joined through the pod's traceparent annotation; and the
 * lifecycle milestones on the pod, which `skiff pods latency` breaks down.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MILESTONES, phaseDurations, podMilestones, type Pod } from '@skiff/api';
import { SKIFF_BIN, startCluster, waitFor, type TestCluster } from '../support/cluster.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp.js';

let receiver: OtlpReceiver;
let cluster: TestCluster;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  cluster = await startCluster({ env: receiver.env });
});

afterAll(async () => {
  await cluster?.stop();
  receiver?.close();
});

describe('pod lifecycle tracing', () => {
  it('joins apiserver, scheduler and kubelet spans in one trace, and the milestones add up', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(cluster.dataDir, 'traced.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: traced, labels: {app: traced}}\nspec:\n  containers:\n  - name: main\n    image: busybox\n    command: ["sleep", "3600"]\n',
    );
    await cluster.kubectl('apply', '-f', file);
    const pod = await waitFor(
      'all seven milestones',
      async () => {
        const p = JSON.parse(await cluster.kubectl('get', 'pod', 'traced', '-o', 'json')) as Pod;
        return Object.keys(podMilestones(p)).length === MILESTONES.length ? p : undefined;
      },
      20_000,
      200,
    );
    const m = podMilestones(pod);
    for (let i = 1; i < MILESTONES.length; i++) expect(m[MILESTONES[i]!]!).toBeGreaterThanOrEqual(m[MILESTONES[i - 1]!]!);
    const phases = phaseDurations(pod);
    expect(phases).toHaveLength(6);
    expect(phases.reduce((n, p) => n + p.ms, 0)).toBe(m.ready! - m.created!);

    const traceparent = pod.metadata?.annotations?.['tracing.k8s.io/traceparent'] ?? '';
    const [, traceId, rootSpanId] = traceparent.split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(
      'spans from the three components',
      () => {
        const services = new Set(inTrace().map((s) => s.service));
        return (
          services.has('skiff-apiserver') &&
          services.has('skiff-scheduler') &&
          services.has('skiff-kubelet') &&
          inTrace().some((s) => s.name === 'syncPod') &&
          inTrace().some((s) => s.service === 'skiff-kubelet' && s.name.startsWith('process '))
        );
      },
      20_000,
      200,
    );
    const trace = inTrace();
    const create = trace.find((s) => s.spanId === rootSpanId);
    expect(create?.service).toBe('skiff-apiserver');
    expect(create?.name).toBe('POST pods');
    expect(trace.some((s) => s.name === 'admission' && s.parentSpanId === rootSpanId)).toBe(true);
    expect(trace.some((s) => s.name === 'storage create' && s.parentSpanId === rootSpanId)).toBe(true);
    const cycle = trace.find((s) => s.name === 'scheduling cycle');
    expect(cycle?.service).toBe('skiff-scheduler');
    expect(cycle?.parentSpanId).toBe(rootSpanId);
    expect(cycle?.attributes['k8s.pod.name']).toBe('traced');
    expect(trace.some((s) => s.name === 'filter and score' && s.parentSpanId === cycle?.spanId)).toBe(true);
    const binding = trace.find((s) => s.name === 'binding cycle');
    expect(binding?.attributes['k8s.node.name']).toBe(cluster.nodeName);
    // The binding request is served inside the binding cycle's trace.
    expect(trace.some((s) => s.service === 'skiff-apiserver' && s.name === 'POST pods' && s.parentSpanId === binding?.spanId)).toBe(true);
    const sync = trace.find((s) => s.name === 'syncPod');
    expect(sync?.service).toBe('skiff-kubelet');
    expect(sync?.parentSpanId).toBe(rootSpanId);
    const start = trace.find((s) => s.name === 'container start' && s.attributes['k8s.container.name'] === 'main');
    expect(start?.parentSpanId).toBe(sync?.spanId);
    // Cgroup and process creation, each a child of the container start.
    expect(trace.some((s) => s.name === 'cgroup create' && s.parentSpanId === start?.spanId)).toBe(true);
    expect(
      trace.some((s) => s.name === 'spawn process' && s.parentSpanId === start?.spanId && Number(s.attributes['process.pid']) > 0),
    ).toBe(true);
    const publish = trace.find((s) => s.name.startsWith('publish '));
    expect(publish?.attributes['messaging.system']).toBe('nats');
    // The watch delivery to the kubelet: a consumer span, child of a publish span, that a syncPod links to.
    const consumerKind = 5; // OTLP SPAN_KIND_CONSUMER
    const publishIds = new Set(trace.filter((s) => s.name.startsWith('publish ')).map((s) => s.spanId));
    const deliveries = trace.filter((s) => s.service === 'skiff-kubelet' && s.name.startsWith('process '));
    expect(deliveries.length).toBeGreaterThan(0);
    for (const d of deliveries) {
      expect(d.kind).toBe(consumerKind);
      expect(publishIds.has(d.parentSpanId)).toBe(true);
      expect(d.attributes['messaging.system']).toBe('nats');
      expect(d.attributes['messaging.operation.type']).toBe('process');
      expect(String(d.attributes['messaging.destination.name'])).toBe(`skiff.ev.core.pods.${cluster.nodeName}.default.traced`);
      expect(d.attributes['k8s.pod.name']).toBe('traced');
    }
    const deliveryIds = new Set(deliveries.map((d) => d.spanId));
    expect(trace.some((s) => s.name === 'syncPod' && s.links.some((l) => l.traceId === traceId && deliveryIds.has(l.spanId)))).toBe(true);
    // The scheduler receives the unbound pod's events the same way.
    expect(
      trace.some(
        (s) =>
          s.service === 'skiff-scheduler' &&
          s.name.startsWith('process ') &&
          s.attributes['messaging.destination.name'] === 'skiff.ev.core.pods._.default.traced',
      ),
    ).toBe(true);

    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [
      SKIFF_BIN,
      'pods',
      'latency',
      'app=traced',
      '--kubeconfig',
      cluster.kubeconfig,
      '--namespace',
      'default',
    ]);
    expect(stdout).toContain('traced');
    expect(stdout).toMatch(/created→ready\s+1\s/);
    expect(stdout).toContain('container_start');
    const traceOut = await run(process.execPath, [SKIFF_BIN, 'trace', 'pod/traced', '--kubeconfig', cluster.kubeconfig]);
    expect(traceOut.stdout).toContain(traceId);
    await cluster.kubectl('delete', 'pod', 'traced');
  });
});
