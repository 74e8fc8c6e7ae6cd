/**
 * ResourceQuota (validating), as upstream's plugin: a create is charged to
 * every quota of its namespace that tracks something it uses. The charge is
 * checked against `status.hard` and written to `status.used` with a
 * compare-and-swap on the quota's revision before the object is stored, so
 * two creates racing for the last slot cannot both pass: the second's write
 * fails, it re-reads the quota and is refused. Dry runs are checked, not
 * charged. Usage given back (deletions, pods that finish, failed creates) is
 * recounted by `QuotaRecount`.
 */
import type { ResourceQuota } from '@skiff/api';
import { StoreError, type Store } from '@skiff/store';
import { forbidden } from './forbidden.js';
import type { IndexedQuota, PolicyIndex } from './policy-index.js';
import { formatMilli, isBinary, milliList, prettyPrint, type MilliList } from './quantities.js';
import type { QuotaRecount } from './quota-recount.js';
import { missingSpecifications, quotaMatches, tracks, usageOf } from './quota-usage.js';
import type { AdmissionAttributes, AdmissionSettle, ValidatingPlugin } from './types.js';

/** How often a charge re-reads the quotas after losing a compare-and-swap. */
const CHARGE_ATTEMPTS = 10;

/** The quota's status with `used` replaced, ready to store (no resourceVersion). */
export function withUsed(quota: ResourceQuota, hard: Record<string, string>, used: MilliList): ResourceQuota {
  const text: Record<string, string> = {};
  for (const name of [...used.keys()].sort()) text[name] = formatMilli(used.get(name) ?? 0, isBinary(hard[name]));
  const { resourceVersion: _rv, ...metadata } = quota.metadata ?? {};
  return { ...quota, metadata, status: { hard, used: text } };
}

function hardOf(quota: ResourceQuota): Record<string, string> {
  return Object.fromEntries(Object.entries(quota.status?.hard ?? {}).map(([k, v]) => [k, String(v)]));
}

export class ResourceQuotaAdmission implements ValidatingPlugin {
  readonly name = 'ResourceQuota';

  constructor(
    private readonly index: PolicyIndex,
    private readonly store: Store,
    private readonly recount: QuotaRecount,
  ) {}

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.desc.namespaced && this.index.hasQuotas(a.namespace);
  }

  async validate(a: AdmissionAttributes): Promise<AdmissionSettle | undefined> {
    const object = a.object;
    if (object === undefined) return undefined;
    const usage = usageOf(a.desc, object);
    let quotas = this.index.quotasIn(a.namespace);
    for (let attempt = 1; ; attempt++) {
      const updates = this.charge(a, usage, quotas);
      if (updates.length === 0 || a.dryRun) return undefined;
      this.recount.chargeStarted(a.namespace);
      try {
        for (const u of updates) await this.store.update(u.key, u.quota, u.revision);
        return (revision) => this.recount.chargeSettled(a.namespace, revision);
      } catch (err) {
        this.recount.chargeSettled(a.namespace, undefined);
        if (!(err instanceof StoreError && err.kind === 'conflict') || attempt >= CHARGE_ATTEMPTS) throw err;
        quotas = await this.reload(quotas);
      }
    }
  }

  /** The quotas' new states with this object charged; throws 403 when one would be exceeded. */
  private charge(a: AdmissionAttributes, usage: MilliList, quotas: readonly IndexedQuota[]): Array<IndexedQuota> {
    const updates: IndexedQuota[] = [];
    for (const q of quotas) {
      const quota = q.quota;
      const name = quota.metadata?.name ?? '';
      if (!quotaMatches(quota, a.desc, a.object ?? {})) continue;
      const hard = hardOf(quota);
      const tracked = Object.keys(hard)
        .filter((n) => tracks(a.desc, n))
        .sort();
      if (tracked.length === 0) continue;
      const missing = missingSpecifications(a.desc, a.object ?? {}, tracked);
      if (missing !== undefined) throw forbidden(a, `failed quota: ${name}: ${missing}`);
      const usedText = quota.status?.used ?? {};
      if (tracked.some((n) => usedText[n] === undefined)) {
        throw forbidden(a, `status unknown for quota: ${name}, resources: ${tracked.join(',')}`);
      }
      const used = milliList(usedText);
      const limit = milliList(hard);
      const requested: MilliList = new Map();
      for (const n of tracked) {
        const v = usage.get(n) ?? 0;
        if (v !== 0) requested.set(n, v);
      }
      if (requested.size === 0) continue;
      const exceeded = [...requested.keys()].filter((n) => (used.get(n) ?? 0) + (requested.get(n) ?? 0) > (limit.get(n) ?? 0));
      if (exceeded.length > 0) {
        const pick = (l: MilliList): MilliList => new Map(exceeded.map((n) => [n, l.get(n) ?? 0]));
        const binary = (n: string): boolean => isBinary(hard[n]);
        throw forbidden(
          a,
          `exceeded quota: ${name}, requested: ${prettyPrint(pick(requested), binary)}, used: ${prettyPrint(pick(used), binary)}, limited: ${prettyPrint(pick(limit), binary)}`,
        );
      }
      for (const [n, v] of requested) used.set(n, (used.get(n) ?? 0) + v);
      updates.push({ key: q.key, revision: q.revision, quota: withUsed(quota, hard, used) });
    }
    return updates;
  }

  /** The quotas as the store holds them now (after a lost compare-and-swap). */
  private async reload(quotas: readonly IndexedQuota[]): Promise<IndexedQuota[]> {
    const out: IndexedQuota[] = [];
    for (const q of quotas) {
      const stored = await this.store.get(q.key);
      if (stored !== null) out.push({ key: q.key, revision: stored.revision, quota: stored.object as ResourceQuota });
    }
    return out;
  }
}
