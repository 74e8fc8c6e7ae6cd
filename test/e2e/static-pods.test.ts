/**
 * Static pods end to end: a manifest in `skiff up`'s manifest directory runs as
 * a real process without the API and appears in it as a mirror pod
 * (`<name>-<node>`, owned by the Node, with the `kubernetes.io/config.mirror`
 * annotation) whose status the kubelet posts; `kubectl logs` reads it; deleting
 * the mirror does not stop the pod (the kubelet mirrors it again); removing
 * the manifest stops the process and deletes the mirror.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { podCgroups, startCluster, waitFor, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

const mirrorName = (): string => `web-${cluster.nodeName}`;
const getMirror = async (): Promise<Pod | undefined> => {
  const r = await cluster.kubectlResult('get', 'pod', mirrorName(), '-o', 'json');
  return r.code === 0 ? (JSON.parse(r.stdout) as Pod) : undefined;
};

describe('static pods', () => {
  it('run from the manifest directory, mirrored in the API, and stop when the manifest goes', async () => {
    const manifest = join(cluster.dataDir, 'manifests', 'web.yaml');
    writeFileSync(
      manifest,
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: web',
        '  labels: {tier: static}',
        'spec:',
        '  containers:',
        '  - name: web',
        '    image: busybox',
        '    command: ["sh", "-c", "echo static-hello; exec sleep 3600"]',
        '',
      ].join('\n'),
    );
    const running = await waitFor(
      'the mirror pod Running',
      async () => {
        const m = await getMirror();
        return m?.status?.phase === 'Running' ? m : undefined;
      },
      30_000,
      200,
    );
    expect(running.metadata?.annotations?.['kubernetes.io/config.mirror']).toMatch(/^[0-9a-f]{32}$/);
    expect(running.metadata?.annotations?.['kubernetes.io/config.source']).toBe('file');
    expect(running.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: cluster.nodeName, controller: true });
    expect(running.spec?.nodeName).toBe(cluster.nodeName);
    expect(running.metadata?.labels).toEqual({ tier: 'static' });
    await waitFor('logs', async () => (await cluster.kubectl('logs', mirrorName())).includes('static-hello'), 15_000, 200);

    // Deleting the mirror does not touch the static pod: the kubelet mirrors it again, no restart.
    await cluster.kubectl('delete', 'pod', mirrorName(), '--wait=false');
    const again = await waitFor(
      'a new mirror pod',
      async () => {
        const m = await getMirror();
        return m !== undefined &&
          m.metadata?.uid !== running.metadata?.uid &&
          m.metadata?.deletionTimestamp === undefined &&
          m.status?.phase === 'Running'
          ? m
          : undefined;
      },
      30_000,
      200,
    );
    expect(again.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(again.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBe(
      running.status?.containerStatuses?.[0]?.state?.running?.startedAt,
    );

    rmSync(manifest);
    await waitFor('the mirror pod gone', async () => (await getMirror()) === undefined, 30_000, 200);
    await waitFor('the static pod’s cgroup (and process) gone', () => podCgroups(cluster.cgroupRoot).length === 0, 15_000, 200);
  });
});
