/**
 * The Node authorizer: a kubelet (`system:node:<name>` in `system:nodes`) may
 * read only the pods bound to it and the secrets, configmaps, PVCs and
 * ServiceAccounts those pods reference; it may write only its own Node and
 * Lease and the status of its own pods; the rest of what upstream's
 * `system:node` role grants (watching pods, services, events) it gets by rule.
 * Requests from anyone else get no opinion here.
 */
import type { RequestAttributes, ResourceAttributes } from './attributes.js';
import type { NodeGraph, ReferencedKind } from './node-graph.js';
import { ruleAllows, type Authorizer, type Decision, type PolicyRule } from './rbac.js';
import { nodeNameOf, type UserInfo } from './user.js';

const READ = ['get', 'list', 'watch'];

/** What every node may do regardless of which objects (upstream's system:node role, reduced). */
const NODE_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['services', 'endpoints', 'namespaces'], verbs: READ },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'update', 'patch'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews', 'selfsubjectaccessreviews'], verbs: ['create'] },
  {
    nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/healthz', '/readyz', '/livez'],
    verbs: ['get'],
  },
];

const REFERENCED: ReadonlySet<string> = new Set(['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts']);
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const allow = (why: string): Decision => ({ allowed: true, reason: `Node: ${why}` });
const noOpinion = (why: string): Decision => ({ allowed: false, reason: why });

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    const node = nodeNameOf(user);
    if (node === undefined) return noOpinion('');
    if (attrs.kind === 'resource') {
      const decision = this.graphDecision(node, attrs);
      if (decision !== undefined) return decision;
    }
    if (NODE_RULES.some((rule) => ruleAllows(rule, attrs))) return allow('allowed by the node rules');
    return noOpinion('');
  }

  /** A decision for the object-scoped requests the graph governs; undefined for the rest. */
  private graphDecision(node: string, a: ResourceAttributes): Decision | undefined {
    if (a.group === '' && a.resource === 'nodes' && a.name !== '') {
      if (a.name !== node) return noOpinion(`node '${node}' cannot modify node '${a.name}'`);
      return ['get', 'watch', 'update', 'patch', 'delete'].includes(a.verb) && (a.subresource === '' || a.subresource === 'status')
        ? allow('own node')
        : undefined;
    }
    if (a.group === '' && a.resource === 'nodes' && a.verb === 'create') return allow('node registration');
    if (a.group === 'coordination.k8s.io' && a.resource === 'leases' && a.namespace === NODE_LEASE_NAMESPACE) {
      if (a.verb === 'create' && a.name === '') return allow('own lease');
      if (a.name !== node) return noOpinion(`node '${node}' cannot access lease '${a.name}'`);
      return ['get', 'update', 'patch', 'delete'].includes(a.verb) ? allow('own lease') : undefined;
    }
    if (a.group === '' && a.resource === 'pods' && a.name !== '') {
      const bound = this.graph.hasPod(node, a.namespace, a.name);
      const allowed =
        (a.subresource === '' && ['get', 'delete'].includes(a.verb)) ||
        (a.subresource === 'status' && ['get', 'update', 'patch'].includes(a.verb)) ||
        (a.subresource === 'eviction' && a.verb === 'create');
      if (!allowed) return undefined;
      return bound ? allow('pod bound to the node') : noOpinion(`no relationship found between node '${node}' and this object`);
    }
    if (a.group === '' && a.resource === 'pods' && a.verb === 'create') return allow('mirror pod');
    if (a.group === '' && REFERENCED.has(a.resource) && a.name !== '') {
      const kind = a.resource as ReferencedKind;
      const verbOk =
        (a.subresource === '' && a.verb === 'get') || (kind === 'serviceaccounts' && a.subresource === 'token' && a.verb === 'create');
      if (!verbOk) return undefined;
      return this.graph.references(node, a.namespace, kind, a.name)
        ? allow(`${kind} referenced by a pod bound to the node`)
        : noOpinion(`no relationship found between node '${node}' and this object`);
    }
    return undefined;
  }
}
