/**
 * LimitRanger, as upstream's plugin, for pods on create:
 * - mutating: containers (and init containers) get the `default` limits and
 *   `defaultRequest` requests of the namespace's LimitRanges (Container items)
 *   for what they do not set, recorded in the `kubernetes.io/limit-ranger`
 *   annotation;
 * - validating: `min`, `max` and `maxLimitRequestRatio` per Container and per
 *   Pod; every violation is named in one 403 with upstream's wording.
 */
import type { Container, LimitRange, Pod } from '@skiff/api';
import { qosClass } from '../registry/pods.js';
import { forbidden, isPodWrite } from './forbidden.js';
import type { PolicyIndex } from './policy-index.js';
import { canonical, formatMilli, isBinary, toMilli } from './quantities.js';
import type { AdmissionAttributes, MutatingPlugin, ValidatingPlugin } from './types.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Resources = Record<string, string>;
type LimitItem = NonNullable<LimitRange['spec']>['limits'][number];

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** Fills one container's missing limits and requests; returns the annotation's phrases for it. */
function defaultContainer(c: Container, limits: Resources, requests: Resources): string[] {
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  c.resources ??= {};
  for (const [r, v] of Object.entries(limits)) {
    c.resources.limits ??= {};
    if (c.resources.limits[r] === undefined) {
      c.resources.limits[r] = v;
      setLimits.push(r);
    }
  }
  for (const [r, v] of Object.entries(requests)) {
    c.resources.requests ??= {};
    if (c.resources.requests[r] === undefined) {
      c.resources.requests[r] = v;
      setRequests.push(r);
    }
  }
  const phrases: string[] = [];
  if (setRequests.length > 0) phrases.push(`${setRequests.sort().join(', ')} request for container ${c.name}`);
  if (setLimits.length > 0) phrases.push(`${setLimits.sort().join(', ')} limit for container ${c.name}`);
  return phrases;
}

/** A resource list as milli-values, keeping each value's text for messages. */
interface Observed {
  milli: Map<string, number>;
  text: Map<string, string>;
}

function observe(list: Record<string, string | number> | undefined): Observed {
  const o: Observed = { milli: new Map(), text: new Map() };
  for (const [k, v] of Object.entries(list ?? {})) {
    o.milli.set(k, toMilli(v));
    o.text.set(k, canonical(v));
  }
  return o;
}

/**
 * The pod's requests or limits: the sum over containers, raised to any init
 * container's (they run one at a time); printed with binary suffixes when the
 * containers' values use them (quantity sums keep their operands' format).
 */
function podTotal(pod: Pod, kind: 'requests' | 'limits'): Observed {
  const sum = new Map<string, number>();
  const binary = new Set<string>();
  const see = (k: string, v: string | number): void => {
    if (isBinary(v)) binary.add(k);
  };
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) {
      sum.set(k, (sum.get(k) ?? 0) + toMilli(v));
      see(k, v);
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) {
      sum.set(k, Math.max(sum.get(k) ?? 0, toMilli(v)));
      see(k, v);
    }
  }
  const text = new Map<string, string>();
  for (const [k, v] of sum) text.set(k, formatMilli(v, binary.has(k)));
  return { milli: sum, text };
}

/** Upstream's min/max/ratio checks for one resource list pair; appends violations. */
function checkItem(item: LimitItem, type: string, requests: Observed, limits: Observed, out: string[]): void {
  for (const [r, v] of sorted(item.min)) {
    const enforced = toMilli(v);
    const req = requests.milli.get(r);
    const lim = limits.milli.get(r);
    if (req === undefined) out.push(`minimum ${r} usage per ${type} is ${canonical(v)}.  No request is specified`);
    else if (req < enforced) out.push(`minimum ${r} usage per ${type} is ${canonical(v)}, but request is ${requests.text.get(r) ?? ''}`);
    else if (lim !== undefined && lim < enforced)
      out.push(`minimum ${r} usage per ${type} is ${canonical(v)}, but limit is ${limits.text.get(r) ?? ''}`);
  }
  for (const [r, v] of sorted(item.max)) {
    const enforced = toMilli(v);
    const req = requests.milli.get(r);
    const lim = limits.milli.get(r);
    if (lim === undefined) out.push(`maximum ${r} usage per ${type} is ${canonical(v)}.  No limit is specified`);
    else if (lim > enforced) out.push(`maximum ${r} usage per ${type} is ${canonical(v)}, but limit is ${limits.text.get(r) ?? ''}`);
    else if (req !== undefined && req > enforced)
      out.push(`maximum ${r} usage per ${type} is ${canonical(v)}, but request is ${requests.text.get(r) ?? ''}`);
  }
  for (const [r, v] of sorted(item.maxLimitRequestRatio)) {
    const req = requests.milli.get(r) ?? 0;
    const lim = limits.milli.get(r) ?? 0;
    const prefix = `${r} max limit to request ratio per ${type} is ${canonical(v)}`;
    if (req === 0) out.push(`${prefix}, but no request is specified or request is 0`);
    else if (lim === 0) out.push(`${prefix}, but no limit is specified or limit is 0`);
    else if ((lim / req) * 1000 > toMilli(v)) out.push(`${prefix}, but provided ratio is ${(lim / req).toFixed(6)}`);
  }
}

function sorted(list: Record<string, string | number> | undefined): Array<[string, string | number]> {
  return Object.entries(list ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export class LimitRanger implements MutatingPlugin, ValidatingPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly index: PolicyIndex) {}

  /** Pods on create (their containers cannot change afterwards), in namespaces with LimitRanges. */
  handles(a: AdmissionAttributes): boolean {
    if (a.operation !== 'CREATE' || !isPodWrite(a)) return false;
    for (const _ of this.index.limitRangesIn(a.namespace)) return true;
    return false;
  }

  admit(a: AdmissionAttributes): void {
    const pod = a.object as Pod;
    const limits: Resources = {};
    const requests: Resources = {};
    for (const lr of this.index.limitRangesIn(a.namespace)) {
      for (const item of lr.spec?.limits ?? []) {
        if (item.type !== 'Container') continue;
        Object.assign(limits, item.default ?? {});
        Object.assign(requests, item.defaultRequest ?? {});
      }
    }
    const phrases = allContainers(pod).flatMap((c) => defaultContainer(c, limits, requests));
    if (phrases.length === 0) return;
    pod.metadata ??= {};
    pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${phrases.join('; ')}` };
    if (pod.status !== undefined) pod.status.qosClass = qosClass(pod);
  }

  validate(a: AdmissionAttributes): void {
    const pod = a.object as Pod;
    const errors: string[] = [];
    for (const lr of this.index.limitRangesIn(a.namespace)) {
      for (const item of lr.spec?.limits ?? []) {
        if (item.type === 'Container') {
          for (const c of allContainers(pod))
            checkItem(item, 'Container', observe(c.resources?.requests), observe(c.resources?.limits), errors);
        } else if (item.type === 'Pod') {
          checkItem(item, 'Pod', podTotal(pod, 'requests'), podTotal(pod, 'limits'), errors);
        }
      }
    }
    if (errors.length === 1) throw forbidden(a, errors[0] ?? '');
    if (errors.length > 1) throw forbidden(a, `[${errors.join(', ')}]`);
  }
}
