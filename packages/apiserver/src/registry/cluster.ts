/** Leases, PriorityClasses, RBAC objects, ResourceQuotas and LimitRanges. */
import {
  findResource,
  LEASES,
  PRIORITYCLASSES,
  type ClusterRoleBinding,
  type KubeObject,
  type Lease,
  type LimitRange,
  type PriorityClass,
  type ResourceDescriptor,
  type RoleBinding,
  type StatusCause,
} from '@skiff/api';
import { namedPrinter, simpleStrategy } from './simple.js';
import { cause, type ResourceStrategy } from './strategy.js';

function requireDesc(group: string, resource: string): ResourceDescriptor {
  const d = findResource(group, resource);
  if (d === undefined) throw new Error(`${resource} is not described`);
  return d;
}

export const leaseStrategy = simpleStrategy(LEASES, {
  printer: namedPrinter([{ name: 'Holder', cell: (o) => (o as Lease).spec?.holderIdentity ?? '' }]),
});

/** The highest value a user PriorityClass may have; larger values are reserved for system classes. */
const HIGHEST_USER_PRIORITY = 1_000_000_000;

export const priorityClassStrategy = simpleStrategy(PRIORITYCLASSES, {
  defaults(object) {
    (object as PriorityClass).preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate(object, previous) {
    const pc = object as PriorityClass;
    const causes: StatusCause[] = [];
    if (typeof pc.value !== 'number' || !Number.isInteger(pc.value)) causes.push(cause('FieldValueRequired', 'value', 'Required value'));
    else if (pc.value > HIGHEST_USER_PRIORITY && !(pc.metadata?.name ?? '').startsWith('system-')) {
      causes.push(
        cause('FieldValueForbidden', 'value', `Forbidden: maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`),
      );
    }
    if (previous !== undefined && (previous as PriorityClass).value !== pc.value)
      causes.push(cause('FieldValueForbidden', 'value', 'Forbidden: may not be changed in an update.'));
    return causes;
  },
  printer: namedPrinter([
    { name: 'Value', cell: (o) => (o as PriorityClass).value },
    { name: 'Global-Default', cell: (o) => String((o as PriorityClass).globalDefault ?? false) },
    { name: 'PreemptionPolicy', priority: 0, cell: (o) => (o as PriorityClass).preemptionPolicy ?? 'PreemptLowerPriority' },
  ]),
});

function validateBinding(object: KubeObject, previous: KubeObject | undefined): StatusCause[] {
  const b = object as RoleBinding;
  const causes: StatusCause[] = [];
  if (b.roleRef === undefined || b.roleRef.name === '' || b.roleRef.kind === '')
    causes.push(cause('FieldValueRequired', 'roleRef', 'Required value'));
  if (previous !== undefined && JSON.stringify((previous as RoleBinding).roleRef) !== JSON.stringify(b.roleRef)) {
    causes.push(cause('FieldValueInvalid', 'roleRef', 'Invalid value: cannot change roleRef'));
  }
  return causes;
}

function subjectsOf(kind: string) {
  return (o: KubeObject): string =>
    ((o as RoleBinding).subjects ?? [])
      .filter((s) => s.kind === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
      .join(', ');
}

const bindingPrinter = namedPrinter([
  { name: 'Role', cell: (o) => `${(o as ClusterRoleBinding).roleRef.kind}/${(o as ClusterRoleBinding).roleRef.name}` },
  { name: 'Users', priority: 1, cell: subjectsOf('User') },
  { name: 'Groups', priority: 1, cell: subjectsOf('Group') },
  { name: 'ServiceAccounts', priority: 1, cell: subjectsOf('ServiceAccount') },
]);

export const rbacStrategies: ResourceStrategy[] = [
  simpleStrategy(requireDesc('rbac.authorization.k8s.io', 'roles'), { nameRule: 'path-segment' }),
  simpleStrategy(requireDesc('rbac.authorization.k8s.io', 'clusterroles'), { nameRule: 'path-segment' }),
  simpleStrategy(requireDesc('rbac.authorization.k8s.io', 'rolebindings'), {
    nameRule: 'path-segment',
    validate: validateBinding,
    printer: bindingPrinter,
  }),
  simpleStrategy(requireDesc('rbac.authorization.k8s.io', 'clusterrolebindings'), {
    nameRule: 'path-segment',
    validate: validateBinding,
    printer: bindingPrinter,
  }),
];

/** A new quota's status is the apiserver's to fill (hard from spec, used counted): what the client sent is dropped. */
export const resourceQuotaStrategy = simpleStrategy(requireDesc('', 'resourcequotas'), {
  defaults(object) {
    delete object['status'];
  },
});
/**
 * LimitRange defaults for Container items, as upstream's: a missing `default`
 * limit is the `max`, a missing `defaultRequest` the `default`, else the `min`.
 */
function defaultLimitRange(object: KubeObject): void {
  for (const item of (object as LimitRange).spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const def = { ...item.max, ...item.default };
    const request = { ...item.min, ...def, ...item.defaultRequest };
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(request).length > 0) item.defaultRequest = request;
  }
}

export const limitRangeStrategy = simpleStrategy(requireDesc('', 'limitranges'), { defaults: defaultLimitRange });
