/**
 * Controller expectations, as upstream's UIDTrackingControllerExpectations:
 * before a controller creates or deletes pods for one of its objects it records
 * how many creations and which deletions it expects to observe through its
 * informer, and it does not act on that object again until every one has been
 * observed (or the record is older than the timeout, in case an event was
 * lost). This keeps a lagging informer from making it create or delete twice.
 *
 * Deletions are tracked by pod key, so observing one deletion twice (a
 * deletionTimestamp update, then the delete itself) counts once.
 */

/** How long a record holds before the controller acts again regardless (upstream: 5 minutes). */
export const DEFAULT_EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Record {
  adds: number;
  deletes: Set<string>;
  /** When the record was set (ms). */
  since: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly timeoutMs: number = DEFAULT_EXPECTATIONS_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the controller may act on key: nothing is pending, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (r === undefined) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.now() - r.since > this.timeoutMs;
  }

  /** Expects count creations for key (replacing any previous record). */
  expectCreations(key: string, count: number): void {
    this.records.set(key, { adds: count, deletes: new Set(), since: this.now() });
  }

  /** Expects the deletion of these pod keys for key (replacing any previous record). */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(podKeys), since: this.now() });
  }

  /** Expects count creations and the deletion of these pod keys for key at once (replacing any previous record). */
  expect(key: string, count: number, podKeys: readonly string[]): void {
    this.records.set(key, { adds: count, deletes: new Set(podKeys), since: this.now() });
  }

  /** One expected creation was observed (or will never happen because it failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r !== undefined) r.adds -= 1;
  }

  /** The deletion of podKey was observed (or will never happen); counts once per pod key. */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  /** Forgets key (its object was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** What is still pending for key, for logs and tests. */
  pending(key: string): { adds: number; deletes: number } | undefined {
    const r = this.records.get(key);
    return r === undefined ? undefined : { adds: Math.max(0, r.adds), deletes: r.deletes.size };
  }
}
