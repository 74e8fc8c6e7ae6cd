/** apps/v1 Deployments, ReplicaSets and DaemonSets: defaults, selector validation, kubectl's columns. */
import {
  DAEMONSETS,
  DEPLOYMENTS,
  REPLICASETS,
  formatStructuredSelector,
  structuredSelectorMatches,
  type DaemonSet,
  type Deployment,
  type KubeObject,
  type PodTemplateSpec,
  type ReplicaSet,
  type StatusCause,
  type StructuredSelector,
} from '@skiff/api';
import { defaultPodSpec, validatePodSpec } from './pods.js';
import { namedPrinter, simpleStrategy } from './simple.js';
import { cause } from './strategy.js';

interface WorkloadSpec {
  selector?: StructuredSelector;
  template?: PodTemplateSpec;
}

function defaultTemplate(spec: WorkloadSpec | undefined): void {
  if (spec?.template === undefined) return;
  spec.template.spec ??= { containers: [] };
  defaultPodSpec(spec.template.spec);
}

/** The selector must be set and must select the template's labels (Kubernetes' rule). */
function validateWorkload(object: KubeObject, previous: KubeObject | undefined): StatusCause[] {
  const spec = object['spec'] as WorkloadSpec | undefined;
  const causes: StatusCause[] = [];
  const selector = spec?.selector;
  const empty =
    selector === undefined || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
  if (empty) causes.push(cause('FieldValueRequired', 'spec.selector', 'Required value'));
  else if (!structuredSelectorMatches(selector, spec?.template?.metadata?.labels)) {
    causes.push(
      cause(
        'FieldValueInvalid',
        'spec.template.metadata.labels',
        `Invalid value: ${JSON.stringify(spec?.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
      ),
    );
  }
  if (spec?.template === undefined) causes.push(cause('FieldValueRequired', 'spec.template', 'Required value'));
  else causes.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
  const replicas = (spec as { replicas?: unknown } | undefined)?.replicas;
  if (replicas !== undefined && (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas))) {
    causes.push(
      cause('FieldValueInvalid', 'spec.replicas', `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`),
    );
  }
  const prevSelector = (previous?.['spec'] as WorkloadSpec | undefined)?.selector;
  if (previous !== undefined && JSON.stringify(prevSelector) !== JSON.stringify(selector)) {
    causes.push(cause('FieldValueInvalid', 'spec.selector', `Invalid value: ${JSON.stringify(selector)}: field is immutable`));
  }
  return causes;
}

function containersOf(spec: WorkloadSpec | undefined): { names: string; images: string } {
  const cs = spec?.template?.spec?.containers ?? [];
  return { names: cs.map((c) => c.name).join(','), images: cs.map((c) => c.image ?? '').join(',') };
}

export const deploymentStrategy = simpleStrategy(DEPLOYMENTS, {
  defaults(object) {
    const d = object as Deployment;
    d.spec ??= { selector: {}, template: {} };
    d.spec.replicas ??= 1;
    d.spec.revisionHistoryLimit ??= 10;
    d.spec.progressDeadlineSeconds ??= 600;
    d.spec.strategy ??= { type: 'RollingUpdate' };
    if (d.spec.strategy.type === 'RollingUpdate') d.spec.strategy.rollingUpdate ??= { maxSurge: '25%', maxUnavailable: '25%' };
    defaultTemplate(d.spec);
  },
  validate: validateWorkload,
  printer: namedPrinter([
    { name: 'Ready', cell: (o) => `${(o as Deployment).status?.readyReplicas ?? 0}/${(o as Deployment).spec?.replicas ?? 0}` },
    { name: 'Up-to-date', cell: (o) => (o as Deployment).status?.updatedReplicas ?? 0 },
    { name: 'Available', cell: (o) => (o as Deployment).status?.availableReplicas ?? 0 },
    { name: 'Containers', priority: 1, cell: (o) => containersOf((o as Deployment).spec).names },
    { name: 'Images', priority: 1, cell: (o) => containersOf((o as Deployment).spec).images },
    { name: 'Selector', priority: 1, cell: (o) => formatStructuredSelector((o as Deployment).spec?.selector) },
  ]),
});

export const replicaSetStrategy = simpleStrategy(REPLICASETS, {
  defaults(object) {
    const rs = object as ReplicaSet;
    rs.spec ??= { selector: {} };
    rs.spec.replicas ??= 1;
    defaultTemplate(rs.spec);
  },
  validate: validateWorkload,
  printer: namedPrinter([
    { name: 'Desired', cell: (o) => (o as ReplicaSet).spec?.replicas ?? 0 },
    { name: 'Current', cell: (o) => (o as ReplicaSet).status?.replicas ?? 0 },
    { name: 'Ready', cell: (o) => (o as ReplicaSet).status?.readyReplicas ?? 0 },
    { name: 'Containers', priority: 1, cell: (o) => containersOf((o as ReplicaSet).spec).names },
    { name: 'Images', priority: 1, cell: (o) => containersOf((o as ReplicaSet).spec).images },
    { name: 'Selector', priority: 1, cell: (o) => formatStructuredSelector((o as ReplicaSet).spec?.selector) },
  ]),
});

export const daemonSetStrategy = simpleStrategy(DAEMONSETS, {
  defaults(object) {
    const ds = object as DaemonSet;
    ds.spec ??= { selector: {}, template: {} };
    ds.spec.revisionHistoryLimit ??= 10;
    ds.spec.updateStrategy ??= { type: 'RollingUpdate' };
    if (ds.spec.updateStrategy.type === 'RollingUpdate') ds.spec.updateStrategy.rollingUpdate ??= { maxUnavailable: 1, maxSurge: 0 };
    defaultTemplate(ds.spec);
  },
  validate: validateWorkload,
  printer: namedPrinter([
    { name: 'Desired', cell: (o) => (o as DaemonSet).status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', cell: (o) => (o as DaemonSet).status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', cell: (o) => (o as DaemonSet).status?.numberReady ?? 0 },
    { name: 'Up-to-date', cell: (o) => (o as DaemonSet).status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', cell: (o) => (o as DaemonSet).status?.numberAvailable ?? 0 },
    {
      name: 'Node Selector',
      cell: (o) => {
        const sel = (o as DaemonSet).spec?.template.spec?.nodeSelector ?? {};
        const text = Object.entries(sel)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        return text === '' ? '<none>' : text;
      },
    },
    { name: 'Containers', priority: 1, cell: (o) => containersOf((o as DaemonSet).spec).names },
    { name: 'Images', priority: 1, cell: (o) => containersOf((o as DaemonSet).spec).images },
    { name: 'Selector', priority: 1, cell: (o) => formatStructuredSelector((o as DaemonSet).spec?.selector) },
  ]),
});
