/**
 * The scheduler's informers on namespaces, Services and ReplicaSets, for the inter-pod
 * plugins: namespace labels (pod affinity `namespaceSelector`) and the selectors of the
 * objects selecting a pod (PodTopologySpread's default constraints). Skiff has no
 * ReplicationControllers or StatefulSets yet, so those are not watched.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import {
  NAMESPACES,
  REPLICASETS,
  SERVICES,
  structuredSelectorMatches,
  type LabelSelectorSpec,
  type Namespace,
  type Pod,
  type ReplicaSet,
  type Service,
} from '@skiff/api';
import { Informer, type ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';
import type { ClusterObjects } from './framework/cluster-objects.js';

function isEmpty(s: LabelSelectorSpec): boolean {
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

export class ClusterObjectInformers implements ClusterObjects {
  private readonly namespaces: Informer<Namespace>;
  private readonly services: Informer<Service>;
  private readonly replicaSets: Informer<ReplicaSet>;

  constructor(options: { client: ApiClient; nc: NatsConnection; logger: Logger }) {
    this.namespaces = new Informer<Namespace>({ ...options, desc: NAMESPACES });
    this.services = new Informer<Service>({ ...options, desc: SERVICES });
    this.replicaSets = new Informer<ReplicaSet>({ ...options, desc: REPLICASETS });
  }

  async start(): Promise<void> {
    await Promise.all([this.namespaces.start(), this.services.start(), this.replicaSets.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.namespaces.stop(), this.services.stop(), this.replicaSets.stop()]);
  }

  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined {
    const ns = this.namespaces.get(name);
    return ns === undefined ? undefined : (ns.metadata?.labels ?? {});
  }

  /** Services (non-empty selector) and ReplicaSets (non-empty selector) in the pod's namespace selecting it. */
  podSelectors(pod: Pod): LabelSelectorSpec[] {
    const out: LabelSelectorSpec[] = [];
    if (this.services.size === 0 && this.replicaSets.size === 0) return out;
    const ns = pod.metadata?.namespace ?? 'default';
    const labels = pod.metadata?.labels ?? {};
    for (const svc of this.services.list()) {
      const selector = svc.spec?.selector ?? {};
      if (svc.metadata?.namespace !== ns || Object.keys(selector).length === 0) continue;
      if (Object.entries(selector).every(([k, v]) => labels[k] === v)) out.push({ matchLabels: selector });
    }
    for (const rs of this.replicaSets.list()) {
      const selector = rs.spec?.selector;
      if (rs.metadata?.namespace !== ns || selector === undefined || isEmpty(selector)) continue;
      if (structuredSelectorMatches(selector, labels)) out.push(selector);
    }
    return out;
  }
}
