/**
 * The namespace controller: when a namespace is being deleted (Terminating),
 * it deletes every namespaced object in it, waits until they are gone (pods
 * leave only when their kubelet has stopped them), and then clears the
 * namespace's `kubernetes` finalizer through `namespaces/<name>/finalize`, which
 * lets the apiserver remove it.
 */
import { ApiError, RESOURCES, type Namespace } from '@skiff/api';
import { WorkQueue, type ApiClient, type Informer } from '@skiff/client';
import type { Logger } from '@skiff/telemetry';

export interface NamespaceControllerOptions {
  client: ApiClient;
  namespaces: Informer<Namespace>;
  logger: Logger;
  /** How soon to look again while objects are still going away. */
  recheckMs?: number;
}

export class NamespaceController {
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 10_000 });
  private worker: Promise<void> | undefined;

  constructor(private readonly options: NamespaceControllerOptions) {
    options.namespaces.addHandlers({
      onAdd: (ns) => this.observe(ns),
      onUpdate: (_old, ns) => this.observe(ns),
    });
  }

  start(): void {
    this.worker = this.run();
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.worker;
  }

  private observe(ns: Namespace): void {
    if (ns.metadata?.deletionTimestamp !== undefined) this.queue.add(ns.metadata.name ?? '');
  }

  private async run(): Promise<void> {
    for (;;) {
      const name = await this.queue.get();
      if (name === undefined) return;
      try {
        const done = await this.sync(name);
        this.queue.forget(name);
        if (!done) this.queue.addAfter(name, this.options.recheckMs ?? 1000);
      } catch (err) {
        this.options.logger.warn({ err, namespace: name }, 'namespace cleanup failed; retrying');
        this.queue.addRateLimited(name);
      } finally {
        this.queue.done(name);
      }
    }
  }

  /** One pass; true when the namespace is finalized (or gone). */
  async sync(name: string): Promise<boolean> {
    const { client } = this.options;
    const ns = this.options.namespaces.get(name);
    if (ns === undefined || ns.metadata?.deletionTimestamp === undefined) return true;
    let remaining = 0;
    for (const desc of RESOURCES) {
      if (!desc.namespaced || !desc.verbs.includes('delete')) continue;
      const list = await client.list(desc, { namespace: name });
      for (const item of list.items) {
        remaining++;
        if (item.metadata?.deletionTimestamp !== undefined) continue;
        await client.delete(desc, name, item.metadata?.name ?? '').catch((err: unknown) => {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        });
      }
    }
    if (remaining > 0) return false;
    try {
      await client.finalizeNamespace(name, []);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    this.options.logger.info({ namespace: name }, 'namespace emptied and finalized');
    return true;
  }
}
