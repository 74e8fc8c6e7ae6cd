/**
 * The generic registry: the one place where API objects are read and written.
 * Every verb goes through it, whatever the transport. It applies the
 * resource's strategy, keeps metadata (uid, creationTimestamp, generation,
 * resourceVersion) with Kubernetes' semantics, and maps store refusals to
 * Status errors.
 */
import { randomInt } from 'node:crypto';
import {
  ApiError,
  alreadyExists,
  apiVersionOf,
  badRequest,
  conflict,
  invalid,
  keyPrefix,
  milestoneAnnotation,
  milestoneTime,
  notFound,
  nowTimestamp,
  objectKey,
  parseFieldSelector,
  parseLabelSelector,
  type KubeObject,
  type ResourceDescriptor,
  type StatusCause,
} from '@skiff/api';
import { StoreError, type Store, type StoredObject } from '@skiff/store';
import { trace } from '@opentelemetry/api';
import { startChildSpan, TRACEPARENT_ANNOTATION, traceparentOf, tracer } from '@skiff/telemetry';
import { AdmissionChain, type AdmissionAttributes, type AdmissionSettle } from '../admission/index.js';
import type { UserInfo } from '../auth/user.js';
import { jsonListBody, withRevision, writeResult } from '../storage/object-json.js';
import type { WatchCache } from '../storage/watch-cache.js';
import { deletionFinalizers, type PropagationRequest } from './deletion-finalizers.js';
import { recordUpdate } from '../managed-fields/update.js';
import { strategyFor, type ResourceStrategy } from './index.js';
import { schemaCauses } from './schema-validation.js';

const apiTracer = tracer('apiserver');

/**
 * Starts a pod's lifecycle record: the `created` milestone, and the trace
 * context of the create request (unless the client set one) so every later
 * actor's spans join this trace.
 */
function stampPodCreation(object: KubeObject): void {
  const meta = object.metadata ?? {};
  object.metadata = { ...meta, annotations: { ...meta.annotations, [milestoneAnnotation('created')]: milestoneTime() } };
  stampTraceContext(object);
}

/** The apps/v1 workloads that carry their create request's trace context, so their controllers' syncs join it. */
const TRACED_WORKLOADS = new Set(['deployments', 'replicasets', 'daemonsets']);

/** Writes the create request's traceparent on the object, unless the client set one. */
function stampTraceContext(object: KubeObject): void {
  const span = trace.getActiveSpan();
  const tp = span === undefined ? undefined : traceparentOf(span);
  const meta = object.metadata ?? {};
  if (tp === undefined || meta.annotations?.[TRACEPARENT_ANNOTATION] !== undefined) return;
  object.metadata = { ...meta, annotations: { ...meta.annotations, [TRACEPARENT_ANNOTATION]: tp } };
}

/** True while finalizers (metadata.finalizers, or the strategy's own, like a namespace's spec.finalizers) hold an object. */
function hasFinalizers(strategy: ResourceStrategy, object: KubeObject): boolean {
  return (object.metadata?.finalizers ?? []).length > 0 || strategy.pendingFinalizers?.(object) === true;
}

/** The earlier of an existing deletionTimestamp and now (a finalizer-held object keeps the first one). */
function earlierTimestamp(existing: string | undefined, now: string): string {
  return existing !== undefined && Date.parse(existing) <= Date.parse(now) ? existing : now;
}

/** Strategy causes first; schema causes for fields the strategy did not already name. */
function mergeCauses(strategy: StatusCause[], schema: StatusCause[]): StatusCause[] {
  const named = new Set(strategy.map((c) => c.field));
  return [...strategy, ...schema.filter((c) => !named.has(c.field))];
}

/** The options of a list request. */
export interface ListOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** '' or undefined: a consistent read; '0': whatever the cache has. */
  resourceVersion?: string | undefined;
  /** NotOlderThan or Exact, with resourceVersion. */
  resourceVersionMatch?: string | undefined;
  limit?: number | undefined;
  continueToken?: string | undefined;
}

export interface ListResult {
  readonly items: KubeObject[];
  /**
   * The JSON list body: `head`, the items' JSON (with their resourceVersions, memoized per stored
   * version: a LIST serializes each object at most once) joined by commas, then `tail`.
   */
  jsonBody(head: string, tail: string): Buffer;
  readonly revision: number;
  readonly continueToken?: string;
}

/** A list result whose items and JSON are computed only when read (a JSON LIST never builds the item objects). */
class StoredList implements ListResult {
  constructor(
    private readonly stored: StoredObject[],
    readonly revision: number,
    readonly continueToken: string | undefined,
  ) {}

  get items(): KubeObject[] {
    return this.stored.map((s) => withRevision(s));
  }

  jsonBody(head: string, tail: string): Buffer {
    return jsonListBody(head, this.stored, tail);
  }
}

export interface WriteOptions {
  dryRun?: boolean;
  /** The manager whose Update is recorded in managedFields; none records nothing (internal writes). */
  fieldManager?: string | undefined;
  /** The object already carries its managedFields: server-side apply computed them. */
  applied?: boolean | undefined;
  /** Who asked (admission plugins see it); none for the apiserver's own writes. */
  user?: UserInfo | undefined;
}

export interface DeleteOptions extends WriteOptions, PropagationRequest {
  gracePeriodSeconds?: number | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
}

/** A compiled list filter: selectors plus the namespace. */
export interface ObjectFilter {
  namespace: string | undefined;
  /** True when no selector is set: every object matches, and callers need not read it. */
  matchesAll: boolean;
  matches(object: KubeObject): boolean;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** How often a create with generateName tries a fresh name before answering 409 (upstream: 8). */
const GENERATE_NAME_ATTEMPTS = 8;

/** `prefix` plus five random characters from the alphabet upstream uses (no vowels, no look-alikes). */
function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
  return `${prefix}${suffix}`;
}
const MAX_PATCH_RETRIES = 5;

export { withRevision };

function stripForStorage(object: KubeObject): KubeObject {
  if (object.metadata?.resourceVersion !== undefined) {
    const { resourceVersion: _rv, ...rest } = object.metadata;
    return { ...object, metadata: rest };
  }
  return object;
}

function specOf(object: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = object;
  return JSON.stringify(rest);
}

export class GenericRegistry {
  constructor(
    private readonly store: Store,
    private readonly cache: WatchCache,
    /** Mutating plugins run after the strategy's defaults, validating ones after validation, before storage. */
    private readonly admission: AdmissionChain = AdmissionChain.empty(),
  ) {}

  strategy(desc: ResourceDescriptor): ResourceStrategy {
    const s = strategyFor(desc);
    if (s === undefined) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${desc.resource})`);
    return s;
  }

  /** Compiles selectors; a 400 Status for malformed ones. */
  filter(desc: ResourceDescriptor, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): ObjectFilter {
    const labels = parseLabelSelector(labelSelector);
    const supported = ['metadata.name', ...(desc.namespaced ? ['metadata.namespace'] : []), ...this.strategy(desc).fieldSelectors];
    const fields = parseFieldSelector(fieldSelector, supported);
    return {
      namespace,
      matchesAll: labels.empty && fields.empty,
      matches: (o) => (labels.empty || labels.matches(o.metadata?.labels)) && (fields.empty || fields.matches(o)),
    };
  }

  async get(desc: ResourceDescriptor, namespace: string, name: string): Promise<KubeObject> {
    const stored = await this.store.get(objectKey(desc, namespace, name));
    if (stored === null) throw notFound(desc.resource, desc.group, name);
    return withRevision(stored);
  }

  /** A list at one revision, from the watch cache (after it caught up, for a consistent read). */
  async list(desc: ResourceDescriptor, namespace: string | undefined, options: ListOptions): Promise<ListResult> {
    const filter = this.filter(desc, namespace, options.labelSelector, options.fieldSelector);
    await this.readAt(options.resourceVersion, options.resourceVersionMatch);
    const revision = this.cache.revision;
    let startAfter = '';
    if (options.continueToken !== undefined && options.continueToken !== '') {
      try {
        startAfter = String((JSON.parse(Buffer.from(options.continueToken, 'base64url').toString('utf8')) as { k: string }).k);
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
    }
    const selected: StoredObject[] = [];
    let continueToken: string | undefined;
    let lastKey = '';
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    for (const stored of this.cache.list(keyPrefix(desc, namespace))) {
      if (startAfter !== '' && stored.key <= startAfter) continue;
      if (!filter.matchesAll && !filter.matches(stored.object)) continue;
      if (selected.length >= limit) {
        continueToken = Buffer.from(JSON.stringify({ k: lastKey }), 'utf8').toString('base64url');
        break;
      }
      selected.push(stored);
      lastKey = stored.key;
    }
    return new StoredList(selected, revision, continueToken);
  }

  /**
   * Brings the cache to the revision a list asks for, with Kubernetes' rules:
   * no resourceVersion is a consistent read (catch up to the store); "0" is
   * whatever the cache holds; N (or NotOlderThan N) waits until the cache is
   * at least at N; Exact N is served only when the cache is exactly at N
   * (the cache keeps no older snapshots: 410 Gone otherwise).
   */
  private async readAt(resourceVersion: string | undefined, match: string | undefined): Promise<void> {
    if (match !== undefined && match !== '' && (resourceVersion === undefined || resourceVersion === '')) {
      throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    if (match !== undefined && match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
      throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    if (resourceVersion === undefined || resourceVersion === '') return this.catchUp();
    if (resourceVersion === '0') return;
    const rv = Number(resourceVersion);
    if (!Number.isInteger(rv) || rv < 0) throw badRequest(`invalid resourceVersion: ${resourceVersion}`);
    if (!(await this.cache.waitForRevision(rv))) {
      throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${this.cache.revision}`);
    }
    if (match === 'Exact' && this.cache.revision !== rv) {
      throw new ApiError(410, 'Gone', `The resourceVersion for the provided list is too old (${rv} < ${this.cache.revision}).`);
    }
  }

  /** Waits until the cache holds every change committed before this call. */
  async catchUp(): Promise<void> {
    const current = await this.store.currentRevision();
    if (!(await this.cache.waitForRevision(current))) {
      throw new ApiError(504, 'Timeout', `Too large resource version: ${current}, current: ${this.cache.revision}`);
    }
  }

  async create(desc: ResourceDescriptor, namespace: string, body: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const strategy = this.strategy(desc);
    // The registry takes ownership of the body (freshly decoded from the request): no copy.
    const object = body;
    this.checkTypeMeta(desc, object);
    object.metadata ??= {};
    const meta = object.metadata;
    if (desc.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    const generated = (meta.name === undefined || meta.name === '') && meta.generateName !== undefined && meta.generateName !== '';
    if (generated) meta.name = generateName(meta.generateName ?? '');
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.uid;
    meta.creationTimestamp = nowTimestamp();
    meta.generation = 1;
    const attrs: AdmissionAttributes = {
      operation: 'CREATE',
      desc,
      subresource: '',
      namespace: desc.namespaced ? namespace : '',
      name: generated ? '' : (meta.name ?? ''),
      object,
      oldObject: undefined,
      user: options.user,
      dryRun: options.dryRun === true,
    };
    const admission = startChildSpan(apiTracer, 'admission', { attributes: { 'k8s.resource': desc.resource } });
    let settle: AdmissionSettle;
    try {
      strategy.prepareForCreate(object);
      const admitting = this.admission.admit(attrs);
      if (admitting !== undefined) await admitting;
      strategy.admit?.(object, { list: (d) => this.cache.list(keyPrefix(d)).map((stored) => stored.object) });
      if (desc.resource === 'pods' && desc.group === '') stampPodCreation(object);
      else if (desc.group === 'apps' && TRACED_WORKLOADS.has(desc.resource)) stampTraceContext(object);
      if (options.fieldManager !== undefined && options.applied !== true)
        recordUpdate(desc, undefined, object, options.fieldManager, undefined);
      const causes = mergeCauses(strategy.validate(object, undefined), schemaCauses(desc, object));
      if (causes.length > 0) throw invalid(desc.kind, desc.group, meta.name ?? '', causes);
      settle = await this.admission.validate(attrs);
    } finally {
      admission.end();
    }
    const name = meta.name ?? '';
    if (options.dryRun === true) {
      settle(undefined);
      return object;
    }
    const storage = startChildSpan(apiTracer, 'storage create', { attributes: { 'db.system': 'nats', 'k8s.resource': desc.resource } });
    let committed: number | undefined;
    try {
      // A generated name that is taken is generated again, as kube-apiserver does since 1.31 (RetryGenerateName).
      for (let attempt = 1; ; attempt++) {
        try {
          const revision = await this.store.create(objectKey(desc, namespace, meta.name ?? name), object);
          storage.setAttribute('k8s.resource_version', revision);
          committed = revision;
          return writeResult({ revision, object });
        } catch (err) {
          if (!(err instanceof StoreError && err.kind === 'exists')) throw err;
          if (!generated || attempt >= GENERATE_NAME_ATTEMPTS) throw alreadyExists(desc.resource, desc.group, meta.name ?? name);
          meta.name = generateName(meta.generateName ?? '');
        }
      }
    } finally {
      storage.end();
      settle(committed);
    }
  }

  /**
   * Replaces an object. A body without resourceVersion overwrites whatever is
   * stored (as `kubectl replace --force` semantics allow); with one, a stale
   * version gets 409 Conflict.
   */
  async update(
    desc: ResourceDescriptor,
    namespace: string,
    name: string,
    body: KubeObject,
    subresource: 'status' | undefined,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const key = objectKey(desc, namespace, name);
    const current = await this.store.get(key);
    if (current === null) throw notFound(desc.resource, desc.group, name);
    const next = body;
    this.checkTypeMeta(desc, next);
    if (next.metadata?.name !== undefined && next.metadata.name !== name) {
      throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    }
    const rv = next.metadata?.resourceVersion;
    const expected = rv === undefined || rv === '' ? current.revision : Number(rv);
    if (!Number.isInteger(expected)) throw badRequest(`invalid resourceVersion: ${String(rv)}`);
    if (expected !== current.revision) throw conflict(desc.resource, desc.group, name);
    return this.commitUpdate(desc, namespace, name, current, next, subresource, options);
  }

  /**
   * Applies `mutate` to the current object (without its resourceVersion; the
   * revision is passed beside it) and stores the result, retrying on
   * conflicts (patches do not carry a resourceVersion unless the client put one in).
   */
  async patch(
    desc: ResourceDescriptor,
    namespace: string,
    name: string,
    mutate: (current: KubeObject, revision: number) => KubeObject,
    subresource: 'status' | undefined,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const key = objectKey(desc, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (current === null) throw notFound(desc.resource, desc.group, name);
      // `current` was just decoded from the store and is ours to change. It carries no
      // resourceVersion, so one in the result came from the patch: a precondition.
      const next = mutate(current.object, current.revision);
      const rv = next.metadata?.resourceVersion;
      if (rv !== undefined && rv !== String(current.revision)) throw conflict(desc.resource, desc.group, name);
      const uid = next.metadata?.uid;
      const currentUid = current.object.metadata?.uid;
      if (uid !== undefined && uid !== currentUid) {
        throw conflict(
          desc.resource,
          desc.group,
          name,
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${currentUid ?? ''}`,
        );
      }
      try {
        return await this.commitUpdate(desc, namespace, name, current, next, subresource, options);
      } catch (err) {
        const retriable = err instanceof ApiError && err.reason === 'Conflict' && rv === undefined;
        if (!retriable || attempt >= MAX_PATCH_RETRIES) throw err;
      }
    }
  }

  /**
   * Deletes an object, as kube-apiserver's store does:
   * - With a grace period (a pod on a node), it only sets deletionTimestamp
   *   and deletionGracePeriodSeconds; the kubelet deletes it with grace 0 once
   *   its containers are gone. While that grace period runs, a repeated delete
   *   changes nothing (unless it asks for a shorter one).
   * - The propagation policy (see deletion-finalizers.ts) adds the `orphan` or
   *   `foregroundDeletion` finalizer for the garbage collector.
   * - An object with finalizers is only marked (deletionTimestamp, grace 0);
   *   the update that empties them removes it. A repeated delete may switch
   *   the garbage-collection finalizer.
   * Returns the object and whether it is gone from the store.
   */
  async delete(
    desc: ResourceDescriptor,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const strategy = this.strategy(desc);
    const key = objectKey(desc, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (current === null) throw notFound(desc.resource, desc.group, name);
      this.checkDeletePreconditions(desc, name, current, options.preconditions);
      if (attempt === 0) await this.admitDelete(desc, namespace, name, current.object, options);
      const grace = strategy.deletionGracePeriod(current.object, options.gracePeriodSeconds);
      const meta = current.object.metadata ?? {};
      const finalizers = deletionFinalizers(meta.finalizers ?? [], options, strategy.defaultGarbageCollectionPolicy);
      try {
        if (grace > 0) {
          const existing = meta.deletionGracePeriodSeconds;
          if (meta.deletionTimestamp !== undefined && existing !== undefined && existing <= grace) {
            return { object: withRevision(current), deleted: false };
          }
          const next = structuredClone(current.object);
          next.metadata = {
            ...next.metadata,
            deletionTimestamp: nowTimestamp(new Date(Date.now() + grace * 1000)),
            deletionGracePeriodSeconds: grace,
            ...(finalizers === undefined ? {} : { finalizers }),
          };
          if (options.dryRun === true) return { object: next, deleted: false };
          const revision = await this.store.update(key, next, current.revision);
          return { object: withRevision({ revision, object: next }), deleted: false };
        }
        const last = structuredClone(current.object);
        last.metadata = {
          ...last.metadata,
          deletionTimestamp: earlierTimestamp(meta.deletionTimestamp, nowTimestamp()),
          deletionGracePeriodSeconds: 0,
          ...(finalizers === undefined ? {} : { finalizers }),
        };
        if (last.metadata.finalizers?.length === 0) delete last.metadata.finalizers;
        if (hasFinalizers(strategy, last)) {
          // Finalizers hold the object: mark it deleted and let their owners finish (an update that
          // empties them removes it).
          const unchanged = meta.deletionTimestamp !== undefined && meta.deletionGracePeriodSeconds === 0 && finalizers === undefined;
          if (unchanged) return { object: withRevision(current), deleted: false };
          if (meta.deletionTimestamp === undefined) strategy.prepareForDeletion?.(last);
          if (options.dryRun === true) return { object: last, deleted: false };
          const revision = await this.store.update(key, last, current.revision);
          return { object: withRevision({ revision, object: last }), deleted: false };
        }
        if (options.dryRun === true) return { object: last, deleted: true };
        const revision = await this.store.delete(key, current.revision, last);
        return { object: withRevision({ revision, object: last }), deleted: true };
      } catch (err) {
        if (err instanceof StoreError && err.kind === 'conflict' && attempt < MAX_PATCH_RETRIES) continue;
        if (err instanceof StoreError && err.kind === 'not-found') throw notFound(desc.resource, desc.group, name);
        throw err;
      }
    }
  }

  /** 409 Conflict when a delete's uid or resourceVersion precondition does not hold. */
  private checkDeletePreconditions(
    desc: ResourceDescriptor,
    name: string,
    current: StoredObject,
    pre: DeleteOptions['preconditions'],
  ): void {
    const uid = current.object.metadata?.uid ?? '';
    if (pre?.uid !== undefined && pre.uid !== uid) {
      throw conflict(desc.resource, desc.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(current.revision)) {
      throw conflict(
        desc.resource,
        desc.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.revision}`,
      );
    }
  }

  private async commitUpdate(
    desc: ResourceDescriptor,
    namespace: string,
    name: string,
    current: StoredObject,
    next: KubeObject,
    subresource: 'status' | undefined,
    options: WriteOptions,
  ): Promise<KubeObject> {
    const strategy = this.strategy(desc);
    const previous = current.object;
    const prevMeta = previous.metadata ?? {};
    next.metadata ??= {};
    // System-owned metadata never changes through an update.
    next.metadata.name = name;
    if (desc.namespaced) next.metadata.namespace = namespace;
    next.metadata.uid = prevMeta.uid;
    next.metadata.creationTimestamp = prevMeta.creationTimestamp;
    if (prevMeta.deletionTimestamp !== undefined) {
      next.metadata.deletionTimestamp = prevMeta.deletionTimestamp;
      next.metadata.deletionGracePeriodSeconds = prevMeta.deletionGracePeriodSeconds;
    } else {
      delete next.metadata.deletionTimestamp;
      delete next.metadata.deletionGracePeriodSeconds;
    }
    next.apiVersion = apiVersionOf(desc);
    next.kind = desc.kind;
    strategy.prepareForUpdate(next, previous, subresource);
    const attrs: AdmissionAttributes = {
      operation: 'UPDATE',
      desc,
      subresource: subresource ?? '',
      namespace: desc.namespaced ? namespace : '',
      name,
      object: next,
      oldObject: previous,
      user: options.user,
      dryRun: options.dryRun === true,
    };
    const admitting = this.admission.admit(attrs);
    if (admitting !== undefined) await admitting;
    if (options.fieldManager !== undefined && options.applied !== true)
      recordUpdate(desc, previous, next, options.fieldManager, subresource);
    next.metadata.generation = (prevMeta.generation ?? 1) + (subresource === undefined && specOf(next) !== specOf(previous) ? 1 : 0);
    if (subresource === 'status') next.metadata.generation = prevMeta.generation ?? 1;
    const causes = mergeCauses(strategy.validate(next, previous), schemaCauses(desc, next));
    if (causes.length > 0) throw invalid(desc.kind, desc.group, name, causes);
    const settle = await this.admission.validate(attrs);
    const stored = stripForStorage(next);
    if (options.dryRun === true) {
      settle(undefined);
      return withRevision({ revision: current.revision, object: stored });
    }
    let committed: number | undefined;
    try {
      if (
        stored.metadata?.deletionTimestamp !== undefined &&
        !hasFinalizers(strategy, stored) &&
        strategy.deletionGracePeriod(stored, undefined) === 0
      ) {
        // The last finalizer is gone from an object being deleted: remove it now.
        committed = await this.store.delete(objectKey(desc, namespace, name), current.revision, stored);
        return writeResult({ revision: committed, object: stored });
      }
      committed = await this.store.update(objectKey(desc, namespace, name), stored, current.revision);
      return writeResult({ revision: committed, object: stored });
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict') throw conflict(desc.resource, desc.group, name);
      if (err instanceof StoreError && err.kind === 'not-found') throw notFound(desc.resource, desc.group, name);
      throw err;
    } finally {
      settle(committed);
    }
  }

  /** Runs admission for a delete (the validating plugins may refuse it; nothing is reserved). */
  private async admitDelete(
    desc: ResourceDescriptor,
    namespace: string,
    name: string,
    current: KubeObject,
    options: DeleteOptions,
  ): Promise<void> {
    const settle = await this.admission.validate({
      operation: 'DELETE',
      desc,
      subresource: '',
      namespace: desc.namespaced ? namespace : '',
      name,
      object: undefined,
      oldObject: current,
      user: options.user,
      dryRun: options.dryRun === true,
    });
    settle(undefined);
  }

  /** Stops the admission plugins' background work. */
  stop(): void {
    this.admission.stop();
  }

  private checkTypeMeta(desc: ResourceDescriptor, object: KubeObject): void {
    if (typeof object !== 'object' || object === null || Array.isArray(object))
      throw badRequest('the body of the request was not a JSON object');
    const apiVersion = apiVersionOf(desc);
    if (object.kind !== undefined && object.kind !== desc.kind) {
      throw badRequest(`the kind of the provided object (${String(object.kind)}) does not match the resource (${desc.kind})`);
    }
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
      throw badRequest(`the apiVersion of the provided object (${String(object.apiVersion)}) does not match ${apiVersion}`);
    }
    object.kind = desc.kind;
    object.apiVersion = apiVersion;
  }
}
