/**
 * Keeps ResourceQuota status true when usage goes down, in the apiserver
 * (upstream runs a quota controller in the controller-manager; here the
 * apiserver already holds every object in its watch cache and is the only
 * writer, so it recounts without a second copy of the cluster):
 * - a new quota, or one whose `spec.hard` changed, gets `status.hard` and
 *   `status.used` counted from the cache;
 * - a deletion in a namespace with quotas, a pod that finished, and a create
 *   that was charged but not stored schedule a recount of that namespace.
 * A recount waits until no charge is in flight in the namespace and the cache
 * holds every charged object, and writes with a compare-and-swap: a charge
 * that lands meanwhile makes it start again, so it never forgets one.
 */
import { isPodTerminal, keyPrefix, parseKey, PODS, RESOURCEQUOTAS, type KubeObject, type Pod, type ResourceQuota } from '@skiff/api';
import { StoreError, type Store } from '@skiff/store';
import type { Logger } from '@skiff/telemetry';
import type { WatchCache } from '../storage/watch-cache.js';
import type { PolicyIndex } from './policy-index.js';
import type { MilliList } from './quantities.js';
import { countedResource, quotaMatches, usageOf } from './quota-usage.js';
import { withUsed } from './resource-quota.js';

/** How long changes are gathered before a namespace is recounted. */
const RECOUNT_DELAY_MS = 100;

const POD_PREFIX = keyPrefix(PODS);

function sameList(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => String(a?.[k]) === String(b?.[k]));
}

export class QuotaRecount {
  private readonly pending = new Map<string, number>();
  private readonly committed = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly cache: WatchCache,
    private readonly store: Store,
    private readonly index: PolicyIndex,
    private readonly logger: Logger | undefined,
  ) {
    this.unsubscribe.push(
      index.onQuotaChange((ns) => {
        if (this.index.quotasIn(ns).some(({ quota }) => this.needsCount(quota))) this.schedule(ns);
      }),
      cache.subscribe((change, previous) => this.onChange(change.type, change.key, change.object, previous)),
    );
    for (const ns of new Set(this.indexNamespaces())) this.schedule(ns);
  }

  /** A charge was written for a create in `namespace` that is not stored yet. */
  chargeStarted(namespace: string): void {
    this.pending.set(namespace, (this.pending.get(namespace) ?? 0) + 1);
  }

  /** That create is over: stored at `revision`, or not stored (its charge must be given back). */
  chargeSettled(namespace: string, revision: number | undefined): void {
    const n = (this.pending.get(namespace) ?? 1) - 1;
    if (n <= 0) this.pending.delete(namespace);
    else this.pending.set(namespace, n);
    if (revision === undefined) this.schedule(namespace);
    else this.committed.set(namespace, Math.max(this.committed.get(namespace) ?? 0, revision));
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private *indexNamespaces(): Iterable<string> {
    for (const stored of this.cache.list(keyPrefix(RESOURCEQUOTAS))) yield parseKey(stored.key)?.namespace ?? '';
  }

  /** A quota whose status does not yet reflect its spec. */
  private needsCount(quota: ResourceQuota): boolean {
    const hard = quota.spec?.hard ?? {};
    if (!sameList(hard, quota.status?.hard)) return true;
    const used = quota.status?.used ?? {};
    return Object.keys(hard).some((k) => used[k] === undefined);
  }

  private onChange(type: string, key: string, object: KubeObject, previous: KubeObject | undefined): void {
    if (type === 'ADDED' || !this.index.anyQuotas()) return;
    const ns = parseKey(key)?.namespace ?? '';
    if (ns === '_' || ns === '' || !this.index.hasQuotas(ns)) return;
    if (type === 'DELETED') {
      this.schedule(ns);
      return;
    }
    if (key.startsWith(POD_PREFIX) && isPodTerminal(object as Pod) && (previous === undefined || !isPodTerminal(previous as Pod))) {
      this.schedule(ns);
    }
  }

  private schedule(namespace: string): void {
    if (this.stopped || this.timers.has(namespace)) return;
    const timer = setTimeout(() => {
      this.timers.delete(namespace);
      void this.run(namespace);
    }, RECOUNT_DELAY_MS);
    timer.unref();
    this.timers.set(namespace, timer);
  }

  private async run(namespace: string): Promise<void> {
    if (this.stopped) return;
    if (this.running.has(namespace) || (this.pending.get(namespace) ?? 0) > 0) {
      this.schedule(namespace);
      return;
    }
    this.running.add(namespace);
    try {
      await this.cache.waitForRevision(this.committed.get(namespace) ?? 0);
      if (this.stopped) return;
      for (const q of this.index.quotasIn(namespace)) {
        const hard = Object.fromEntries(Object.entries(q.quota.spec?.hard ?? {}).map(([k, v]) => [k, String(v)]));
        const used = this.count(namespace, q.quota, Object.keys(hard));
        const next = withUsed(q.quota, hard, used);
        if (sameList(next.status?.hard, q.quota.status?.hard) && sameList(next.status?.used, q.quota.status?.used)) continue;
        if ((this.pending.get(namespace) ?? 0) > 0) throw new StoreError('conflict', q.key);
        await this.store.update(q.key, next, q.revision);
      }
    } catch (err) {
      if (err instanceof StoreError && (err.kind === 'conflict' || err.kind === 'not-found')) this.schedule(namespace);
      else this.logger?.warn({ err, namespace }, 'recounting resource quota usage failed');
    } finally {
      this.running.delete(namespace);
    }
  }

  /** The namespace's usage of each named resource by the objects the quota concerns, from the cache. */
  private count(namespace: string, quota: ResourceQuota, names: readonly string[]): MilliList {
    const used: MilliList = new Map(names.map((n) => [n, 0]));
    const pods = this.cache.list(keyPrefix(PODS, namespace)).filter((s) => quotaMatches(quota, PODS, s.object));
    const podNames = names.filter((n) => countedResource(n) === undefined);
    for (const stored of podNames.length === 0 ? [] : pods) {
      const usage = usageOf(PODS, stored.object);
      for (const n of podNames) used.set(n, (used.get(n) ?? 0) + (usage.get(n) ?? 0));
    }
    for (const n of names) {
      const desc = countedResource(n);
      if (desc === undefined) continue;
      const objects = desc === PODS ? pods : this.cache.list(keyPrefix(desc, namespace)).filter((s) => quotaMatches(quota, desc, s.object));
      used.set(n, objects.length * 1000);
    }
    return used;
  }
}
