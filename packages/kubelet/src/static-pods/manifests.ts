/**
 * Static pod manifests: one Pod per file (`.yaml`, `.yml`, `.json`) in the
 * kubelet's manifest directory, turned into the pods the kubelet runs without
 * the API, as upstream's file source does: namespace `default` when unset, the
 * name suffixed with `-<node>`, bound to this node, a uid that is the hash of
 * the manifest and the node (a changed manifest is a new pod), the
 * `kubernetes.io/config.*` annotations, and a toleration of every NoExecute
 * taint (a static pod is never evicted by taints).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { nowTimestamp, type Pod } from '@skiff/api';

export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface ManifestError {
  file: string;
  message: string;
}

const MANIFEST_RE = /^[^.].*\.(ya?ml|json)$/;
const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The static pod a manifest's text describes on this node; throws an Error saying what is wrong. */
export function staticPodFromManifest(text: string, nodeName: string, file: string): Pod {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('the manifest must be one object');
  const pod = structuredClone(raw) as Pod;
  if (pod.kind !== 'Pod' || pod.apiVersion !== 'v1')
    throw new Error(`the manifest must be a v1 Pod, not ${String(pod.apiVersion)} ${String(pod.kind)}`);
  const name = pod.metadata?.name ?? '';
  if (!NAME_RE.test(name)) throw new Error(`metadata.name "${name}" must be a DNS subdomain`);
  if ((pod.spec?.containers ?? []).length === 0) throw new Error('spec.containers: at least one container is required');
  const hash = createHash('md5').update(nodeName).update('\0').update(JSON.stringify(raw)).digest('hex');
  const namespace = pod.metadata?.namespace ?? 'default';
  const spec = pod.spec ?? { containers: [] };
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      name: `${name}-${nodeName}`,
      namespace,
      uid: hash,
      annotations: {
        ...pod.metadata?.annotations,
        [CONFIG_HASH_ANNOTATION]: hash,
        [CONFIG_SOURCE_ANNOTATION]: 'file',
        [CONFIG_SEEN_ANNOTATION]: nowTimestamp(),
      },
    },
    spec: {
      ...spec,
      nodeName,
      restartPolicy: spec.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
      tolerations: [...(spec.tolerations ?? []), { operator: 'Exists', effect: 'NoExecute' }],
    },
    status: { phase: 'Pending' },
  };
}

/** Every manifest in the directory (a missing directory has none), and what could not be read. */
export function readStaticPods(dir: string, nodeName: string): { pods: Pod[]; errors: ManifestError[] } {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => MANIFEST_RE.test(f))
      .sort();
  } catch {
    return { pods: [], errors: [] };
  }
  const pods: Pod[] = [];
  const errors: ManifestError[] = [];
  const names = new Set<string>();
  for (const file of files) {
    try {
      const pod = staticPodFromManifest(readFileSync(join(dir, file), 'utf8'), nodeName, file);
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      if (names.has(key)) throw new Error(`another manifest already defines pod ${key}`);
      names.add(key);
      pods.push(pod);
    } catch (err) {
      errors.push({ file, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { pods, errors };
}

/** The mirror pod the API holds for a static pod: its spec, the mirror annotation, owned by the node. */
export function mirrorPodFor(staticPod: Pod, node: { name: string; uid: string }): Pod {
  const { uid: _uid, resourceVersion: _rv, ...metadata } = staticPod.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...metadata,
      annotations: { ...metadata.annotations, [CONFIG_MIRROR_ANNOTATION]: staticPod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] ?? '' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: staticPod.spec ?? { containers: [] },
  };
}

/** True for a mirror pod (the API's copy of a static pod, which the kubelet never runs itself). */
export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}
