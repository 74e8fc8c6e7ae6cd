/**
 * What each node may see, as the Node authorizer's graph: the pods bound to a
 * node and the secrets, configmaps, PersistentVolumeClaims and the
 * ServiceAccount each of them references. Kept current from the watch cache.
 */
import { keyPrefix, PODS, type Pod } from '@skiff/api';
import type { WatchCache } from '../storage/watch-cache.js';

/** A kind of object a pod can reference. */
export type ReferencedKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

interface PodEntry {
  namespace: string;
  name: string;
  refs: Set<string>;
}

const refKey = (kind: ReferencedKind, name: string): string => `${kind}/${name}`;

/** The objects a pod references, as `kind/name`. */
export function podReferences(pod: Pod): Set<string> {
  const refs = new Set<string>();
  const spec = pod.spec;
  if (spec === undefined) return refs;
  refs.add(refKey('serviceaccounts', spec.serviceAccountName ?? 'default'));
  for (const s of spec.imagePullSecrets ?? []) if (s.name !== undefined) refs.add(refKey('secrets', s.name));
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName !== undefined) refs.add(refKey('secrets', v.secret.secretName));
    if (v.configMap?.name !== undefined) refs.add(refKey('configmaps', v.configMap.name));
    if (v.persistentVolumeClaim !== undefined) refs.add(refKey('persistentvolumeclaims', v.persistentVolumeClaim.claimName));
    for (const source of v.projected?.sources ?? []) {
      if (source.secret?.name !== undefined) refs.add(refKey('secrets', source.secret.name));
      if (source.configMap?.name !== undefined) refs.add(refKey('configmaps', source.configMap.name));
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const from of c.envFrom ?? []) {
      if (from.secretRef?.name !== undefined) refs.add(refKey('secrets', from.secretRef.name));
      if (from.configMapRef?.name !== undefined) refs.add(refKey('configmaps', from.configMapRef.name));
    }
    for (const e of c.env ?? []) {
      const name = e.valueFrom?.secretKeyRef?.name;
      if (name !== undefined) refs.add(refKey('secrets', name));
      const cm = e.valueFrom?.configMapKeyRef?.name;
      if (cm !== undefined) refs.add(refKey('configmaps', cm));
    }
  }
  return refs;
}

/** Pods by node, with their references. */
export class NodeGraph {
  /** node → pod key → entry */
  private readonly byNode = new Map<string, Map<string, PodEntry>>();
  /** pod key → node, to move or drop an entry when the pod changes. */
  private readonly nodeOfPod = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(cache: WatchCache) {
    const prefix = keyPrefix(PODS);
    for (const stored of cache.list(prefix)) this.put(stored.key, stored.object as Pod);
    this.unsubscribe = cache.subscribe((change) => {
      if (!change.key.startsWith(prefix)) return;
      if (change.type === 'DELETED') this.drop(change.key);
      else this.put(change.key, change.object as Pod);
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** True when a pod in `namespace`, named `podName` if given, is bound to `node`. */
  hasPod(node: string, namespace: string, podName: string): boolean {
    for (const entry of this.byNode.get(node)?.values() ?? []) if (entry.namespace === namespace && entry.name === podName) return true;
    return false;
  }

  /** True when a pod bound to `node` references the object. */
  references(node: string, namespace: string, kind: ReferencedKind, name: string): boolean {
    const key = refKey(kind, name);
    for (const entry of this.byNode.get(node)?.values() ?? []) if (entry.namespace === namespace && entry.refs.has(key)) return true;
    return false;
  }

  private put(key: string, pod: Pod): void {
    this.drop(key);
    const node = pod.spec?.nodeName;
    if (node === undefined || node === '') return;
    let pods = this.byNode.get(node);
    if (pods === undefined) {
      pods = new Map();
      this.byNode.set(node, pods);
    }
    pods.set(key, { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', refs: podReferences(pod) });
    this.nodeOfPod.set(key, node);
  }

  private drop(key: string): void {
    const node = this.nodeOfPod.get(key);
    if (node === undefined) return;
    this.nodeOfPod.delete(key);
    const pods = this.byNode.get(node);
    pods?.delete(key);
    if (pods?.size === 0) this.byNode.delete(node);
  }
}
