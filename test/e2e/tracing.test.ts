/**
 * One trace per pod lifecycle, across processes: spans from the apiserver, the
 * scheduler and the kubelet, exported over OTLP (HTTP, JSON) to a receiver in
 * this test, joined through the pod's traceparent annotation; and the
 * lifecycle milestones on the pod, which `skiff pods latency` breaks down; and
 * the controllers' spans in a Deployment's trace, with each of its pods in a
 * trace of its own that links back to it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MILESTONES, phaseDurations, podMilestones, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
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
          inTrace().some((s) => s.name === 'container start') &&
          inTrace().some((s) => s.name === 'spawn process') &&
          inTrace().some((s) => s.service === 'skiff-kubelet' && s.name.startsWith('process ')) &&
          // The scheduler's delivery span comes in its own export batch, possibly after the kubelet's.
          inTrace().some((s) => s.service === 'skiff-scheduler' && s.name.startsWith('process ')) &&
          // Each component exports in batches: wait until every delivery's publish span has arrived too.
          inTrace()
            .filter((s) => s.service === 'skiff-kubelet' && s.name.startsWith('process '))
            .every((d) => inTrace().some((p) => p.spanId === d.parentSpanId))
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
    // Each sync of the pod is a syncPod span under the create (the first may only set up volumes).
    const syncs = trace.filter((s) => s.name === 'syncPod');
    expect(syncs.length).toBeGreaterThan(0);
    expect(syncs.every((s) => s.service === 'skiff-kubelet' && s.parentSpanId === rootSpanId)).toBe(true);
    const start = trace.find((s) => s.name === 'container start' && s.attributes['k8s.container.name'] === 'main');
    const sync = syncs.find((s) => s.spanId === start?.parentSpanId);
    expect(sync).toBeDefined();
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

describe('controller tracing', () => {
  it("shows a Deployment's controller work in its trace, and its pods start their own traces linked to it", async () => {
    await cluster.kubectl('create', 'deployment', 'traced-web', '--image=busybox', '--replicas=2', '--', 'sleep', '3600');
    const traceIdOf = (object: { metadata?: { annotations?: Record<string, string> } }): string =>
      (object.metadata?.annotations?.['tracing.k8s.io/traceparent'] ?? '').split('-')[1] ?? '';
    const deployment = JSON.parse(await cluster.kubectl('get', 'deployment', 'traced-web', '-o', 'json')) as Deployment;
    const deploymentTrace = traceIdOf(deployment);
    expect(deploymentTrace).toMatch(/^[0-9a-f]{32}$/);
    const pods = await waitFor(
      'the two pods',
      async () => {
        const list = JSON.parse(await cluster.kubectl('get', 'pods', '-l', 'app=traced-web', '-o', 'json')) as { items: Pod[] };
        return list.items.length === 2 ? list.items : undefined;
      },
      60_000,
      200,
    );
    const rsList = JSON.parse(await cluster.kubectl('get', 'replicasets', '-l', 'app=traced-web', '-o', 'json')) as { items: ReplicaSet[] };
    const [rs] = rsList.items;
    // The ReplicaSet continues the Deployment's trace: its create request ran in the Deployment's sync.
    expect(traceIdOf(rs ?? {})).toBe(deploymentTrace);
    const inTrace = (traceId: string): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    const podTraces = pods.map(traceIdOf);
    await waitFor(
      'controller spans and the pods’ create spans',
      () =>
        inTrace(deploymentTrace).some((s) => s.name === 'sync Deployment') &&
        inTrace(deploymentTrace).some((s) => s.name === 'sync ReplicaSet') &&
        podTraces.every((t) => inTrace(t).some((s) => s.name === 'create pod')),
      20_000,
      200,
    );
    const trace = inTrace(deploymentTrace);
    const syncDeployment = trace.find((s) => s.name === 'sync Deployment');
    expect(syncDeployment?.service).toBe('skiff-controller-manager');
    expect(syncDeployment?.attributes['k8s.deployment.name']).toBe('traced-web');
    expect(syncDeployment?.attributes['k8s.deployment.uid']).toBe(deployment.metadata?.uid);
    expect(syncDeployment?.attributes['k8s.namespace.name']).toBe('default');
    expect(syncDeployment?.parentSpanId).toBe(deployment.metadata?.annotations?.['tracing.k8s.io/traceparent']?.split('-')[2]);
    // The ReplicaSet's create request is served as a child of a Deployment sync.
    const rsTraceparent = rs?.metadata?.annotations?.['tracing.k8s.io/traceparent'] ?? '';
    const rsCreate = trace.find((s) => s.spanId === rsTraceparent.split('-')[2]);
    expect(rsCreate?.service).toBe('skiff-apiserver');
    expect(trace.find((s) => s.spanId === rsCreate?.parentSpanId)?.name).toBe('sync Deployment');
    const syncReplicaSets = trace.filter((s) => s.name === 'sync ReplicaSet');
    expect(syncReplicaSets.every((s) => s.attributes['k8s.replicaset.name'] === rs?.metadata?.name)).toBe(true);
    expect(syncReplicaSets.every((s) => s.attributes['k8s.replicaset.uid'] === rs?.metadata?.uid)).toBe(true);
    const syncIds = new Set(syncReplicaSets.map((s) => s.spanId));
    // One trace per pod: it starts at a `create pod` root that links to the ReplicaSet sync that made it.
    expect(new Set(podTraces).size).toBe(2);
    for (const [i, pod] of pods.entries()) {
      expect(podTraces[i]).not.toBe(deploymentTrace);
      const root = inTrace(podTraces[i] ?? '').find((s) => s.name === 'create pod');
      expect(root?.service).toBe('skiff-controller-manager');
      expect(root?.parentSpanId).toBe('');
      expect(root?.attributes['k8s.pod.name']).toBe(pod.metadata?.name);
      expect(root?.links.some((l) => l.traceId === deploymentTrace && syncIds.has(l.spanId))).toBe(true);
      const podCreate = inTrace(podTraces[i] ?? '').find(
        (s) => s.spanId === pod.metadata?.annotations?.['tracing.k8s.io/traceparent']?.split('-')[2],
      );
      expect(podCreate?.parentSpanId).toBe(root?.spanId);
    }
    await cluster.kubectl('delete', 'deployment', 'traced-web');
  });
});
