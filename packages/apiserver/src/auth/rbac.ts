/**
 * RBAC authorization with Kubernetes' semantics: a request is allowed when a
 * ClusterRoleBinding, or a RoleBinding of the request's namespace, binds one of
 * the user's names (User, Group, ServiceAccount) to a role with a rule that
 * covers it. Rules match verbs, API groups, resources (`pods`, `pods/log`,
 * `*`, `*\/scale`, `pods/*`), resource names and non-resource URLs (exact or
 * `prefix*`). A ClusterRole with an aggregationRule holds the rules of every
 * ClusterRole its selectors match (the default admin/edit/view aggregate this
 * way). There is no deny: no match means "no opinion", and the chain refuses.
 */
import { structuredSelectorMatches, type ClusterRole, type Role, type RoleBinding } from '@skiff/api';
import type { RequestAttributes } from './attributes.js';
import type { RbacIndex } from './rbac-index.js';
import { SERVICE_ACCOUNT_PREFIX, type UserInfo } from './user.js';

export type PolicyRule = NonNullable<Role['rules']>[number];
type Subject = NonNullable<RoleBinding['subjects']>[number];
type RoleRef = RoleBinding['roleRef'];

/** One authorizer's answer. */
export type Decision = { allowed: true; reason: string } | { allowed: false; reason: string };

/** Something that authorizes requests (RBAC, the Node authorizer, AlwaysAllow). */
export interface Authorizer {
  authorize(user: UserInfo, attrs: RequestAttributes): Decision;
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return list !== undefined && (list.includes(value) || list.includes('*'));
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource !== '' && (r === `*/${subresource}` || r === `${resource}/*`)) return true;
  }
  return false;
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** Whether one rule covers the request. */
export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (attrs.kind === 'nonResource') return nonResourceMatches(rule, attrs.path);
  if (!has(rule.apiGroups, attrs.group) || !resourceMatches(rule, attrs.resource, attrs.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attrs.name !== '' && names.includes(attrs.name));
}

function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace ?? bindingNamespace;
      return user.name === `${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** The RBAC authorizer over an index of the current RBAC objects. */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: RbacIndex) {}

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    for (const binding of this.index.clusterRoleBindings.values()) {
      if (!(binding.subjects ?? []).some((s) => subjectMatches(s, user, ''))) continue;
      if (this.rulesOf(binding.roleRef, '').some((rule) => ruleAllows(rule, attrs))) {
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${binding.metadata?.name ?? ''}"` };
      }
    }
    if (attrs.kind === 'resource' && attrs.namespace !== '') {
      for (const binding of this.index.roleBindingsIn(attrs.namespace)) {
        if (!(binding.subjects ?? []).some((s) => subjectMatches(s, user, attrs.namespace))) continue;
        if (this.rulesOf(binding.roleRef, attrs.namespace).some((rule) => ruleAllows(rule, attrs))) {
          return { allowed: true, reason: `RBAC: allowed by RoleBinding "${binding.metadata?.name ?? ''}/${attrs.namespace}"` };
        }
      }
    }
    return { allowed: false, reason: '' };
  }

  /**
   * Every rule the user holds in a namespace (cluster-wide bindings included),
   * in binding order: what a SelfSubjectRulesReview lists.
   */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const binding of this.index.clusterRoleBindings.values()) {
      if ((binding.subjects ?? []).some((s) => subjectMatches(s, user, ''))) rules.push(...this.rulesOf(binding.roleRef, ''));
    }
    if (namespace !== '') {
      for (const binding of this.index.roleBindingsIn(namespace)) {
        if ((binding.subjects ?? []).some((s) => subjectMatches(s, user, namespace)))
          rules.push(...this.rulesOf(binding.roleRef, namespace));
      }
    }
    return rules;
  }

  /** The rules a binding grants: a Role of the namespace, or a ClusterRole (with its aggregation). */
  rulesOf(ref: RoleRef, namespace: string): PolicyRule[] {
    if (ref.kind === 'Role') return this.index.role(namespace, ref.name)?.rules ?? [];
    if (ref.kind !== 'ClusterRole') return [];
    const role = this.index.clusterRole(ref.name);
    return role === undefined ? [] : this.clusterRoleRules(role);
  }

  /** A ClusterRole's own rules plus, with an aggregationRule, those of every ClusterRole it selects. */
  clusterRoleRules(role: ClusterRole): PolicyRule[] {
    const selectors = role.aggregationRule?.clusterRoleSelectors;
    if (selectors === undefined || selectors.length === 0) return role.rules ?? [];
    const rules = [...(role.rules ?? [])];
    for (const other of this.index.clusterRoles.values()) {
      if (other === role) continue;
      const labels = other.metadata?.labels;
      if (selectors.some((s) => structuredSelectorMatches(s, labels))) rules.push(...(other.rules ?? []));
    }
    return rules;
  }
}

/** Allows everything: the insecure mode of unit tests and benchmarks. */
export const ALWAYS_ALLOW: Authorizer = { authorize: () => ({ allowed: true, reason: 'AlwaysAllow' }) };
