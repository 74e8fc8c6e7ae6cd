/**
 * Pods held at Permit (kube-scheduler's `waitingPod`): a Permit plugin that returns Wait with
 * a timeout holds the pod's binding cycle until every waiting plugin allows it, one rejects
 * it, or a plugin's timeout passes (a rejection). Any plugin reaches waiting pods through the
 * framework handle (`getWaitingPod`, `iterateOverWaitingPods`), e.g. a gang plugin allowing
 * the whole group once its last member arrives.
 */
import type { Pod } from '@skiff/api';
import { Code, status, type Status } from './status.js';

/** Upstream's cap on a Permit timeout (15 minutes). */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

export class WaitingPod {
  /** Plugin name → its timeout timer, for the plugins that have not allowed yet. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private settle!: (result: Status | null) => void;
  private settled = false;
  /** Resolves with null when every plugin allowed, else with the rejection. */
  readonly result: Promise<Status | null>;

  constructor(
    readonly pod: Pod,
    readonly nodeName: string,
    waits: ReadonlyMap<string, number>,
  ) {
    this.result = new Promise((resolve) => (this.settle = resolve));
    for (const [plugin, timeoutMs] of waits) {
      const ms = Math.min(Math.max(0, timeoutMs), MAX_PERMIT_TIMEOUT_MS);
      const timer = setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${ms}ms at plugin ${plugin}`), ms);
      this.pending.set(plugin, timer);
    }
  }

  /** The plugins still to allow. */
  get pendingPlugins(): string[] {
    return [...this.pending.keys()];
  }

  /** `plugin` allows the pod; when it was the last one waiting, the binding cycle goes on. */
  allow(plugin: string): void {
    const timer = this.pending.get(plugin);
    if (timer === undefined || this.settled) return;
    clearTimeout(timer);
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(null);
  }

  /** Rejects the pod (from `plugin`, or '' for the framework): its binding cycle fails. */
  reject(plugin: string, message: string): void {
    if (this.settled) return;
    this.finish({ ...status(Code.Unschedulable, message), ...(plugin === '' ? {} : { plugin }) });
  }

  private finish(result: Status | null): void {
    this.settled = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.settle(result);
  }
}
