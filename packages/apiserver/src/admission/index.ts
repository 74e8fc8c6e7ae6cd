/**
 * The admission plugins the apiserver runs, in upstream's order:
 * mutating LimitRanger → ServiceAccount → Priority; validating
 * NamespaceLifecycle → LimitRanger → Priority → PodSecurity → ResourceQuota
 * (last, so a request another plugin refuses is never charged).
 */
import type { Store } from '@skiff/store';
import type { Logger } from '@skiff/telemetry';
import type { WatchCache } from '../storage/watch-cache.js';
import { AdmissionChain } from './chain.js';
import { LimitRanger } from './limit-ranger.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import { PodSecurityAdmission } from './pod-security.js';
import { PolicyIndex } from './policy-index.js';
import { PriorityAdmission } from './priority.js';
import { QuotaRecount } from './quota-recount.js';
import { ResourceQuotaAdmission } from './resource-quota.js';
import { ServiceAccountAdmission } from './service-account.js';

export interface AdmissionDeps {
  cache: WatchCache;
  store: Store;
  logger?: Logger;
  /** The apiserver issues ServiceAccount tokens: pods get the projected token volume. */
  mountServiceAccountTokens?: boolean;
}

/** The default chain; `stop()` ends its subscriptions and the quota recount. */
export function createAdmissionChain(deps: AdmissionDeps): AdmissionChain {
  const index = new PolicyIndex(deps.cache);
  const recount = new QuotaRecount(deps.cache, deps.store, index, deps.logger);
  const limitRanger = new LimitRanger(index);
  const priority = new PriorityAdmission(index, async () => {
    await deps.cache.waitForRevision(await deps.store.currentRevision());
  });
  return new AdmissionChain(
    [limitRanger, new ServiceAccountAdmission({ mountTokens: deps.mountServiceAccountTokens === true, cache: deps.cache }), priority],
    [
      new NamespaceLifecycle(deps.cache, deps.store),
      limitRanger,
      priority,
      new PodSecurityAdmission(deps.cache),
      new ResourceQuotaAdmission(index, deps.store, recount),
    ],
    () => {
      recount.stop();
      index.stop();
    },
  );
}

export { AdmissionChain } from './chain.js';
export { SYSTEM_PRIORITY_CLASSES } from './priority.js';
export type { AdmissionAttributes, AdmissionOperation, AdmissionSettle, MutatingPlugin, ValidatingPlugin } from './types.js';
