/**
 * Skiff serves no custom resources, and says so the way kube-apiserver would
 * with none defined: a list of CustomResourceDefinitions is empty.
 *
 * kubectl needs that answer. Before `create -f` of a kind with no PATCH
 * operation (a TokenReview), its field-validation check falls back from
 * `/openapi/v3` to `/openapi/v2`, finds no PATCH for the kind there either,
 * and lists CRDs to learn whether the kind is a custom resource; a 404 there
 * fails the command. Only that list is answered; everything else under
 * `apiextensions.k8s.io` stays 404 and discovery does not list the group.
 */
import type { IncomingMessage } from 'node:http';
import type { ApiRoute } from './route.js';

/** The empty `CustomResourceDefinitionList` when the request lists CRDs; undefined otherwise. */
export function customResourceDefinitionList(req: IncomingMessage, url: URL, route: ApiRoute | undefined): object | undefined {
  const listsCrds =
    route?.kind === 'unknown' &&
    route.group === 'apiextensions.k8s.io' &&
    route.version === 'v1' &&
    route.resource === 'customresourcedefinitions' &&
    route.namespace === undefined &&
    /^\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/?$/.test(url.pathname) &&
    (req.method ?? 'GET') === 'GET' &&
    url.searchParams.get('watch') !== 'true' &&
    url.searchParams.get('watch') !== '1';
  return listsCrds ? { kind: 'CustomResourceDefinitionList', apiVersion: 'apiextensions.k8s.io/v1', metadata: {}, items: [] } : undefined;
}
