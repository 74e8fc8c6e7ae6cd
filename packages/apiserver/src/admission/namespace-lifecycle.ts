/**
 * NamespaceLifecycle (validating): no new objects in a namespace that does not
 * exist (404) or is being terminated (403), and the namespaces every cluster
 * needs may not be deleted (403), as upstream's plugin.
 */
import { NAMESPACES, notFound, objectKey, type KubeObject } from '@skiff/api';
import type { Store } from '@skiff/store';
import type { WatchCache } from '../storage/watch-cache.js';
import { forbidden } from './forbidden.js';
import type { AdmissionAttributes, ValidatingPlugin } from './types.js';

/** Namespaces that may not be deleted. */
const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

function isTerminating(ns: KubeObject): boolean {
  const phase = (ns['status'] as { phase?: string } | undefined)?.phase;
  return phase === 'Terminating' || ns.metadata?.deletionTimestamp !== undefined;
}

export class NamespaceLifecycle implements ValidatingPlugin {
  readonly name = 'NamespaceLifecycle';

  constructor(
    private readonly cache: WatchCache,
    private readonly store: Store,
  ) {}

  handles(a: AdmissionAttributes): boolean {
    if (a.operation === 'DELETE') return a.desc === NAMESPACES && IMMORTAL_NAMESPACES.has(a.name);
    return a.operation === 'CREATE' && a.desc.namespaced && a.subresource === '';
  }

  validate(a: AdmissionAttributes): void | Promise<void> {
    if (a.operation === 'DELETE') throw forbidden(a, 'this namespace may not be deleted');
    const key = objectKey(NAMESPACES, '', a.namespace);
    const cached = this.cache.get(key)?.object;
    if (cached !== undefined) return this.check(a, cached);
    // A namespace created a moment ago that the cache has not seen yet: ask the store.
    return this.store.get(key).then((stored) => this.check(a, stored?.object));
  }

  private check(a: AdmissionAttributes, ns: KubeObject | undefined): void {
    if (ns === undefined) throw notFound('namespaces', '', a.namespace);
    if (isTerminating(ns)) throw forbidden(a, `unable to create new content in namespace ${a.namespace} because it is being terminated`);
  }
}
