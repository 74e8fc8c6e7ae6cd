/**
 * Pod garbage collection, as kube-controller-manager's podgc does:
 * - pods bound to a node that no longer exists are deleted (grace 0);
 * - terminated pods beyond `terminatedPodThreshold` are deleted, oldest first.
 */
import { ApiError, isPodTerminal, PODS, type Node, type Pod } from '@skiff/api';
import type { ApiClient, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';

export interface PodGcOptions {
  client: ApiClient;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  logger: Logger;
  terminatedPodThreshold?: number;
  /** How long a node must be missing before its pods are collected (the informer may lag). */
  orphanGraceMs?: number;
}

export class PodGcController {
  private readonly missingSince = new Map<string, number>();

  constructor(private readonly options: PodGcOptions) {}

  /** One pass; returns the keys of the pods it deleted. */
  async runOnce(now = Date.now()): Promise<string[]> {
    const { pods, nodes } = this.options;
    const deleted: string[] = [];
    const nodeNames = new Set(nodes.list().map((n) => n.metadata?.name ?? ''));
    for (const pod of pods.list()) {
      const node = pod.spec?.nodeName;
      if (node === undefined || node === '' || nodeNames.has(node)) continue;
      const since = this.missingSince.get(node) ?? now;
      this.missingSince.set(node, since);
      if (now - since < (this.options.orphanGraceMs ?? 20_000)) continue;
      if (await this.remove(pod)) deleted.push(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
    }
    for (const node of [...this.missingSince.keys()]) if (nodeNames.has(node)) this.missingSince.delete(node);
    const terminated = pods.list().filter(isPodTerminal);
    const excess = terminated.length - (this.options.terminatedPodThreshold ?? 12_500);
    if (excess > 0) {
      terminated.sort((a, b) => String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')));
      for (const pod of terminated.slice(0, excess)) {
        if (await this.remove(pod)) deleted.push(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
      }
    }
    return deleted;
  }

  private async remove(pod: Pod): Promise<boolean> {
    try {
      await this.options.client.delete(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        gracePeriodSeconds: 0,
        uid: pod.metadata?.uid ?? '',
      });
      this.options.logger.info({ pod: pod.metadata?.name, node: pod.spec?.nodeName }, 'podgc deleted pod');
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return false;
      throw err;
    }
  }
}
