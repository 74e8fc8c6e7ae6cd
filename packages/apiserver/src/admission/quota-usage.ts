/**
 * What an object costs against a ResourceQuota (upstream's quota evaluators):
 * - pods: `count/pods` always; while not Succeeded/Failed also `pods`,
 *   `requests.<r>` (and the bare `cpu`, `memory`, `ephemeral-storage`) and
 *   `limits.<r>`, each the sum over containers raised to any init
 *   container's, plus pod overhead;
 * - any resource: `count/<resource>[.<group>]` is 1, and the legacy names
 *   `services`, `configmaps`, `secrets`, `resourcequotas` for those kinds.
 * A quota with scopes (`spec.scopes`, `spec.scopeSelector`) concerns pods only,
 * those each scope matches: Terminating / NotTerminating
 * (activeDeadlineSeconds), BestEffort / NotBestEffort (QoS class),
 * PriorityClass (In, NotIn, Exists, DoesNotExist on priorityClassName).
 */
import { findResource, isPodTerminal, type KubeObject, type Pod, type ResourceDescriptor, type ResourceQuota } from '@skiff/api';
import { qosClass } from '../registry/pods.js';
import { toMilli, type MilliList } from './quantities.js';

const LEGACY_COUNTS: ReadonlySet<string> = new Set(['services', 'configmaps', 'secrets', 'resourcequotas', 'persistentvolumeclaims']);
/** Resources a quota on which obliges every container to state them (upstream's backward-compatible rule). */
const MUST_SPECIFY: ReadonlySet<string> = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);
/** The bare names that mean `requests.<name>`. */
const BARE_REQUESTS: ReadonlySet<string> = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** `count/pods`, `count/deployments.apps`. */
export function countName(desc: ResourceDescriptor): string {
  return desc.group === '' ? `count/${desc.resource}` : `count/${desc.resource}.${desc.group}`;
}

/** The descriptor a `count/...` or legacy quota name counts, if it is one. */
export function countedResource(name: string): ResourceDescriptor | undefined {
  if (LEGACY_COUNTS.has(name)) return findResource('', name);
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? findResource('', rest) : findResource(rest.slice(dot + 1), rest.slice(0, dot));
}

/** True when a quota name concerns objects of this resource. */
export function tracks(desc: ResourceDescriptor, name: string): boolean {
  if (name === countName(desc)) return true;
  if (desc.group === '' && LEGACY_COUNTS.has(desc.resource) && name === desc.resource) return true;
  if (desc.group !== '' || desc.resource !== 'pods') return false;
  return name === 'pods' || BARE_REQUESTS.has(name) || name.startsWith('requests.') || name.startsWith('limits.');
}

function podTotal(pod: Pod, kind: 'requests' | 'limits'): Map<string, number> {
  const sum = new Map<string, number>();
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) sum.set(k, (sum.get(k) ?? 0) + toMilli(v));
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) sum.set(k, Math.max(sum.get(k) ?? 0, toMilli(v)));
  }
  for (const [k, v] of Object.entries(pod.spec?.overhead ?? {})) sum.set(k, (sum.get(k) ?? 0) + toMilli(v));
  return sum;
}

/** The object's usage of every quota name it can touch. */
export function usageOf(desc: ResourceDescriptor, object: KubeObject): MilliList {
  const usage: MilliList = new Map([[countName(desc), 1000]]);
  if (desc.group === '' && LEGACY_COUNTS.has(desc.resource)) usage.set(desc.resource, 1000);
  if (desc.group !== '' || desc.resource !== 'pods') return usage;
  const pod = object as Pod;
  if (isPodTerminal(pod)) return usage;
  usage.set('pods', 1000);
  for (const [r, v] of podTotal(pod, 'requests')) {
    usage.set(`requests.${r}`, v);
    if (BARE_REQUESTS.has(r)) usage.set(r, v);
  }
  for (const [r, v] of podTotal(pod, 'limits')) usage.set(`limits.${r}`, v);
  return usage;
}

/**
 * Upstream's pod constraint: when a quota tracks cpu or memory requests or
 * limits, every container must state them. Returns `must specify ...` or undefined.
 */
export function missingSpecifications(desc: ResourceDescriptor, object: KubeObject, tracked: readonly string[]): string | undefined {
  if (desc.group !== '' || desc.resource !== 'pods') return undefined;
  const required = tracked.filter((n) => MUST_SPECIFY.has(n)).sort();
  if (required.length === 0) return undefined;
  const pod = object as Pod;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const phrases: string[] = [];
  for (const name of required) {
    const limits = name.startsWith('limits.');
    const resource = name.replace(/^(requests|limits)\./, '');
    const missing = containers
      .filter((c) => (limits ? c.resources?.limits : c.resources?.requests)?.[resource] === undefined)
      .map((c) => c.name)
      .sort();
    if (missing.length > 0) phrases.push(`${name} for: ${missing.join(',')}`);
  }
  return phrases.length === 0 ? undefined : `must specify ${phrases.join('; ')}`;
}

/** One scope a quota asks for (a scopeSelector expression; a plain scope is `Exists`). */
interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[] | undefined;
}

function scopeMatches(req: ScopeRequirement, pod: Pod): boolean {
  const spec = pod.spec;
  switch (req.scopeName) {
    case 'Terminating':
      return (spec?.activeDeadlineSeconds ?? -1) >= 0;
    case 'NotTerminating':
      return spec?.activeDeadlineSeconds === undefined || spec.activeDeadlineSeconds === null;
    case 'BestEffort':
      return qosClass(pod) === 'BestEffort';
    case 'NotBestEffort':
      return qosClass(pod) !== 'BestEffort';
    case 'PriorityClass': {
      const name = spec?.priorityClassName ?? '';
      const values = req.values ?? [];
      if (req.operator === 'Exists') return name !== '';
      if (req.operator === 'DoesNotExist') return name === '';
      if (req.operator === 'In') return values.includes(name);
      if (req.operator === 'NotIn') return !values.includes(name);
      return false;
    }
    default:
      return false;
  }
}

/** True when the quota concerns this object: every object for an unscoped quota, pods its scopes match otherwise. */
export function quotaMatches(quota: ResourceQuota, desc: ResourceDescriptor, object: KubeObject): boolean {
  const requirements: ScopeRequirement[] = [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
  if (requirements.length === 0) return true;
  if (desc.group !== '' || desc.resource !== 'pods') return false;
  return requirements.every((r) => scopeMatches(r, object as Pod));
}
