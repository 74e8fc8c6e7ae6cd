import https from 'node:https';
/**
 * Sampling a pod's trace consistently across processes: a cluster sampling 0% of new traces
 * (`parentbased_traceidratio`, ratio 0) exports nothing of a pod created with kubectl, from any
 * component, though the pod still carries a traceparent (flags 00); a pod created with a
 * client's sampled traceparent (flags 01) is traced whole, in the apiserver, the scheduler and
 * the kubelet. The decision travels in the traceparent flags.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACEPARENT_ANNOTATION } from '@skiff/telemetry';
import type { Pod } from '@skiff/api';
import { startCluster, waitFor, type TestCluster } from '../support/cluster.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp.js';

let receiver: OtlpReceiver;
let cluster: TestCluster;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  cluster = await startCluster({
    env: { ...receiver.env, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
  });
});

afterAll(async () => {
  await cluster?.stop();
  receiver?.close();
});

function podManifest(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
  };
}

async function runningPod(name: string): Promise<Pod> {
  return waitFor(
    `pod ${name} running`,
    async () => {
      const pod = JSON.parse(await cluster.kubectl('get', 'pod', name, '-o', 'json')) as Pod;
      return pod.status?.phase === 'Running' ? pod : undefined;
    },
    20_000,
    200,
  );
}

describe('trace sampling across components', () => {
  it('drops an unsampled pod trace everywhere and keeps a sampled one whole', async () => {
    const file = join(cluster.dataDir, 'unsampled.yaml');
    writeFileSync(file, JSON.stringify(podManifest('unsampled')));
    await cluster.kubectl('apply', '-f', file);

    const traceId = randomBytes(16).toString('hex');
    // A client that sends its own sampled traceparent (kubectl cannot), with the admin credentials.
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        `${cluster.apiUrl}/api/v1/namespaces/default/pods`,
        {
          method: 'POST',
          ...cluster.client().credentials.tls,
          headers: { 'Content-Type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(podManifest('sampled')));
    });
    expect(status).toBe(201);

    const sampled = await runningPod('sampled');
    const unsampled = await runningPod('unsampled');
    const sampledTp = sampled.metadata?.annotations?.[TRACEPARENT_ANNOTATION] ?? '';
    expect(sampledTp).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const unsampledTp = unsampled.metadata?.annotations?.[TRACEPARENT_ANNOTATION] ?? '';
    expect(unsampledTp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);

    await waitFor(
      'the sampled pod traced by all three components',
      () => {
        const services = new Set(receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.service));
        return services.has('skiff-apiserver') && services.has('skiff-scheduler') && services.has('skiff-kubelet');
      },
      20_000,
      200,
    );
    const sampledNames = new Set(receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.name));
    for (const name of ['POST pods', 'scheduling cycle', 'binding cycle', 'syncPod']) expect(sampledNames).toContain(name);
    // Everything of the sampled pod arrived and the unsampled pod went the same way at the same time: none of its spans came.
    await new Promise((r) => setTimeout(r, 1000));
    const unsampledTraceId = unsampledTp.split('-')[1];
    expect(receiver.spans.filter((s) => s.traceId === unsampledTraceId)).toEqual([]);
    await cluster.kubectl('delete', 'pod', 'sampled', 'unsampled', '--wait=false');
  });
});
