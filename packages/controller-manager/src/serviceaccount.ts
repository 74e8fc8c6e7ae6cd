/** The ServiceAccount controller: every active namespace has a `default` ServiceAccount. */
import { ApiError, SERVICEACCOUNTS, type Namespace } from '@skiff/api';
import type { ApiClient, Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';

export class ServiceAccountController {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly client: ApiClient,
    namespaces: Informer<Namespace>,
    private readonly logger: Logger,
  ) {
    namespaces.addHandlers({ onAdd: (ns) => this.ensure(ns), onUpdate: (_o, ns) => this.ensure(ns) });
  }

  private ensure(ns: Namespace): void {
    const name = ns.metadata?.name ?? '';
    if (ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating') return;
    const p = this.client
      .getOrUndefined(SERVICEACCOUNTS, name, 'default')
      .then(async (sa) => {
        if (sa !== undefined) return;
        await this.client.create(SERVICEACCOUNTS, name, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default', namespace: name },
        });
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && (err.reason === 'AlreadyExists' || err.code === 403 || err.code === 404)) return;
        this.logger.warn({ err, namespace: name }, 'creating the default ServiceAccount failed');
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
