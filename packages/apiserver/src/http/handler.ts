/**
 * The request chain for resource paths: route → parse → registry → respond.
 * (Authentication and authorization run before, in the request filter; admission runs inside the registry.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  apiVersionOf,
  badRequest,
  methodNotAllowed,
  NODES,
  notFound,
  type Binding,
  type KubeObject,
  type Node,
  type Pod,
} from '@skiff/api';
import type { Store } from '@skiff/store';
import { requestUser } from '../auth/request-user.js';
import type { GenericRegistry } from '../registry/generic.js';
import { bindPod } from '../registry/pod-binding.js';
import type { WatchCache } from '../storage/watch-cache.js';
import { serveApply } from './apply.js';
import { mediaType, parseBody, readBody } from './body.js';
import { parseDeleteOptions } from './delete-options.js';
import { duplicateFields } from './duplicate-fields.js';
import { fieldManagerOf } from './field-manager.js';
import { enforceFieldValidation, fieldValidationOf } from './field-validation.js';
import { chooseContainer, proxyLogs } from './logs.js';
import { applyPatch } from './patch.js';
import { isYaml, negotiate, writeJson, writeRawJson } from './respond.js';
import type { ResourceRoute } from './route.js';
import { scaleOf, updateScale } from './scale.js';
import { buildTable } from './table.js';
import { serveWatch } from './watch.js';

export interface HandlerContext {
  registry: GenericRegistry;
  cache: WatchCache;
  store: Store;
  onWatchStart?: (resource: string) => () => void;
}

/** True when the client asked for a Table (kubectl get). */
export function wantsTable(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('as=Table');
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}; supported values: "All"`);
  return values.length > 0;
}

/** Reads a JSON/YAML/protobuf object; with `duplicates`, collects the fields a JSON body repeats (for fieldValidation). */
async function readObject(req: IncomingMessage, duplicates?: string[]): Promise<KubeObject> {
  const raw = await readBody(req);
  const type = mediaType(req);
  const body = parseBody(raw, type);
  if (duplicates !== undefined && type === 'application/json') duplicates.push(...duplicateFields(raw.toString('utf8')));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body of the request must be a JSON object');
  return body as KubeObject;
}

function statusSub(route: ResourceRoute): 'status' | undefined {
  if (route.subresource === undefined) return undefined;
  if (route.subresource === 'status' && route.desc.subresources.includes('status')) return 'status';
  throw notFound(`${route.desc.resource}/${route.subresource}`, route.desc.group, route.name ?? '');
}

/** Serves one resource request. */
export async function handleResource(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  route: ResourceRoute,
  ctx: HandlerContext,
): Promise<void> {
  const { desc } = route;
  const q = url.searchParams;
  const namespace = desc.namespaced ? route.namespace : undefined;
  if (desc.namespaced && route.name !== undefined && namespace === undefined) {
    throw notFound(desc.resource, desc.group, route.name);
  }
  const ns = namespace ?? '';
  const method = req.method ?? 'GET';
  const strategy = ctx.registry.strategy(desc);
  if (route.subresource !== 'log') negotiate(req, res);

  if (route.name === undefined) {
    if (method === 'GET') {
      if (boolParam(q, 'watch')) {
        const filter = ctx.registry.filter(desc, namespace, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
        const end = ctx.onWatchStart?.(desc.resource);
        await serveWatch(req, res, ctx.cache, {
          desc,
          filter,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          allowBookmarks: boolParam(q, 'allowWatchBookmarks'),
          sendInitialEvents: boolParam(q, 'sendInitialEvents'),
          timeoutSeconds: intParam(q, 'timeoutSeconds'),
          printer: wantsTable(req) ? strategy.table : undefined,
          catchUp: () => ctx.registry.catchUp(),
          ...(end === undefined ? {} : { onEnd: end }),
        });
        return;
      }
      const result = await ctx.registry.list(desc, namespace, {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
        limit: intParam(q, 'limit'),
        continueToken: q.get('continue') ?? undefined,
      });
      const rv = String(result.revision);
      if (wantsTable(req)) {
        writeJson(res, 200, buildTable(strategy.table, result.items, rv, result.continueToken), 'application/json');
        return;
      }
      const metadata: Record<string, string> = { resourceVersion: rv };
      if (result.continueToken !== undefined) metadata['continue'] = result.continueToken;
      if (isYaml(res)) {
        writeJson(res, 200, { kind: desc.listKind, apiVersion: apiVersionOf(desc), metadata, items: result.items });
        return;
      }
      // Each item's JSON bytes are stored or memoized per stored version; the list is their concatenation.
      const head = `{"kind":${JSON.stringify(desc.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(desc))},"metadata":${JSON.stringify(metadata)},"items":[`;
      writeRawJson(res, 200, result.jsonBody(head, ']}'));
      return;
    }
    if (method === 'POST') {
      if (desc.namespaced && namespace === undefined)
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      const fieldValidation = fieldValidationOf(q);
      const duplicates: string[] = [];
      const body = await readObject(req, fieldValidation === 'Ignore' ? undefined : duplicates);
      enforceFieldValidation(desc, body, fieldValidation, res, 'create', duplicates);
      const created = await ctx.registry.create(desc, ns, body, {
        dryRun: dryRun(q),
        fieldManager: fieldManagerOf(q, req, false),
        user: requestUser(req),
      });
      writeJson(res, 201, created);
      return;
    }
    if (method === 'DELETE') {
      if (!desc.verbs.includes('deletecollection'))
        throw methodNotAllowed('the server does not allow this method on the requested resource');
      const options = parseDeleteOptions(await readBody(req), q);
      const result = await ctx.registry.list(desc, namespace, {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
      });
      const deleted: KubeObject[] = [];
      for (const item of result.items) {
        const name = item.metadata?.name ?? '';
        const out = await ctx.registry.delete(desc, item.metadata?.namespace ?? ns, name, options).catch((err: unknown) => {
          if (err instanceof ApiError && err.code === 404) return undefined;
          throw err;
        });
        if (out !== undefined) deleted.push(out.object);
      }
      writeJson(res, 200, {
        kind: desc.listKind,
        apiVersion: apiVersionOf(desc),
        metadata: { resourceVersion: String(ctx.cache.revision) },
        items: deleted,
      });
      return;
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }

  const name = route.name;
  if (route.subresource === 'log' && desc.resource === 'pods') {
    if (method !== 'GET') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const pod = (await ctx.registry.get(desc, ns, name)) as Pod;
    const container = chooseContainer(pod, q.get('container'));
    const nodeName = pod.spec?.nodeName;
    if (nodeName === undefined || nodeName === '') throw badRequest(`pod ${name} does not have a host assigned`);
    const node = (await ctx.registry.get(NODES, '', nodeName)) as Node;
    await proxyLogs(req, res, pod, node, container, q);
    return;
  }
  if (route.subresource === 'binding' && desc.resource === 'pods') {
    if (method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
    await bindPod(ctx.store, ns, name, (await readObject(req)) as unknown as Binding, dryRun(q), ctx.cache);
    writeJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    return;
  }
  if (route.subresource === 'scale' && desc.subresources.includes('scale')) {
    if (method === 'GET') {
      writeJson(res, 200, scaleOf(await ctx.registry.get(desc, ns, name)));
      return;
    }
    if (method === 'PUT') {
      writeJson(res, 200, await updateScale(ctx.registry, desc, ns, name, { kind: 'put', scale: await readObject(req) }, dryRun(q)));
      return;
    }
    if (method === 'PATCH') {
      const type = mediaType(req);
      const patch = parseBody(await readBody(req), type);
      writeJson(res, 200, await updateScale(ctx.registry, desc, ns, name, { kind: 'patch', type, patch }, dryRun(q)));
      return;
    }
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
  if (route.subresource === 'finalize' && desc.resource === 'namespaces') {
    if (method !== 'PUT') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const body = await readObject(req);
    const finalizers = ((body['spec'] as { finalizers?: unknown } | undefined)?.finalizers ?? []) as string[];
    const updated = await ctx.registry.patch(
      desc,
      '',
      name,
      (current) => ({ ...current, spec: { ...(current['spec'] as object), finalizers } }),
      undefined,
      { dryRun: dryRun(q) },
    );
    writeJson(res, 200, updated);
    return;
  }
  if (route.subresource === 'eviction' && desc.resource === 'pods') {
    if (method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const eviction = await readObject(req);
    // The eviction's deleteOptions are read and checked as a DELETE body's are.
    const deleteOptions = eviction['deleteOptions'];
    const body = deleteOptions === undefined || deleteOptions === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(deleteOptions));
    await ctx.registry.delete(desc, ns, name, parseDeleteOptions(body, q));
    writeJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    return;
  }
  const sub = statusSub(route);
  switch (method) {
    case 'GET': {
      const obj = await ctx.registry.get(desc, ns, name);
      if (wantsTable(req)) writeJson(res, 200, buildTable(strategy.table, [obj], obj.metadata?.resourceVersion ?? ''));
      else writeJson(res, 200, obj);
      return;
    }
    case 'PUT': {
      const fieldValidation = fieldValidationOf(q);
      const duplicates: string[] = [];
      const body = await readObject(req, fieldValidation === 'Ignore' ? undefined : duplicates);
      enforceFieldValidation(desc, body, fieldValidation, res, 'update', duplicates);
      const updated = await ctx.registry.update(desc, ns, name, body, sub, {
        dryRun: dryRun(q),
        fieldManager: fieldManagerOf(q, req, false),
        user: requestUser(req),
      });
      writeJson(res, 200, updated);
      return;
    }
    case 'PATCH': {
      const type = mediaType(req);
      const raw = await readBody(req);
      const patch = parseBody(raw, type);
      const fieldValidation = fieldValidationOf(q);
      const merging = type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json';
      const duplicates = merging && fieldValidation !== 'Ignore' ? duplicateFields(raw.toString('utf8')) : [];
      if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+json') {
        const manager = fieldManagerOf(q, req, true);
        await serveApply(res, ctx.registry, desc, ns, name, patch, {
          manager,
          force: boolParam(q, 'force'),
          subresource: sub,
          dryRun: dryRun(q),
          fieldValidation,
        });
        return;
      }
      const fieldManager = fieldManagerOf(q, req, false);
      const patched = await ctx.registry.patch(
        desc,
        ns,
        name,
        (current, revision) => {
          // A JSON patch may test the resourceVersion (kubectl's managedFields migration does).
          const target =
            type === 'application/json-patch+json'
              ? { ...current, metadata: { ...current.metadata, resourceVersion: String(revision) } }
              : current;
          const next = applyPatch(type, target, patch, desc) as KubeObject;
          enforceFieldValidation(desc, next, fieldValidation, res, 'patch', duplicates);
          return next;
        },
        sub,
        { dryRun: dryRun(q), fieldManager, user: requestUser(req) },
      );
      writeJson(res, 200, patched);
      return;
    }
    case 'DELETE': {
      const options = { ...parseDeleteOptions(await readBody(req), q), user: requestUser(req) };
      const result = await ctx.registry.delete(desc, ns, name, options);
      // As kube-apiserver: 202 when the object stays and the client asked, the deprecated way, for dependents to go.
      const accepted = !result.deleted && options.orphanDependents === false;
      writeJson(res, accepted ? 202 : 200, result.object);
      return;
    }
    default:
      throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
}
