/**
 * The root CA publisher (upstream's RootCACertPublisher): every active
 * namespace holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the
 * cluster CA, so pods can verify the apiserver (the ServiceAccount admission
 * projects it next to the token). Kept current on every namespace event and a
 * periodic pass, which also restores an edited or deleted ConfigMap.
 */
import { ApiError, CONFIGMAPS, type ConfigMap, type Namespace } from '@skiff/api';
import type { ApiClient, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';

export class RootCaPublisher {
  private readonly pending = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly client: ApiClient,
    private readonly namespaces: Informer<Namespace>,
    private readonly caPem: string,
    private readonly logger: Logger,
    resyncMs = 30_000,
  ) {
    namespaces.addHandlers({ onAdd: (ns) => this.ensure(ns), onUpdate: (_o, ns) => this.ensure(ns) });
    this.timer = setInterval(() => {
      for (const ns of namespaces.list()) this.ensure(ns);
    }, resyncMs);
  }

  private ensure(ns: Namespace): void {
    const name = ns.metadata?.name ?? '';
    if (ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating') return;
    const p = this.client
      .getOrUndefined<ConfigMap>(CONFIGMAPS, name, ROOT_CA_CONFIGMAP)
      .then(async (cm) => {
        if (cm === undefined) {
          await this.client.create(CONFIGMAPS, name, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: ROOT_CA_CONFIGMAP, namespace: name },
            data: { [ROOT_CA_KEY]: this.caPem },
          });
        } else if (cm.data?.[ROOT_CA_KEY] !== this.caPem) {
          await this.client.update(CONFIGMAPS, { ...cm, data: { ...cm.data, [ROOT_CA_KEY]: this.caPem } });
        }
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && (err.reason === 'AlreadyExists' || err.code === 409 || err.code === 403 || err.code === 404)) return;
        this.logger.warn({ err, namespace: name }, 'publishing the root CA failed');
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
  }
}
