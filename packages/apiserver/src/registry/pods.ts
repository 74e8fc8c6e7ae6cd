/** Pods: defaulting, validation, graceful deletion and `kubectl get pods` columns. */
import { randomUUID } from 'node:crypto';
import { PODS, isPodTerminal, isQuantity, podQosClass, type Container, type Pod, type PodSpec, type StatusCause } from '@skiff/api';
import { age, column, humanDuration, NAME_COLUMN, type TablePrinter } from '../http/table.js';
import { cause, splitStatusUpdate, type ResourceStrategy } from './strategy.js';
import { dns1123LabelErrors, validateObjectMeta } from './validation.js';

const DEFAULT_GRACE_SECONDS = 30;

function defaultContainer(c: Container): void {
  const image = c.image ?? '';
  const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
  c.imagePullPolicy ??= tagged || image.includes('@') ? 'IfNotPresent' : 'Always';
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  // grpc.service defaults to '' (kubectl describe dereferences it).
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe?.grpc !== undefined) probe.grpc.service ??= '';
  c.resources ??= {};
  // A limit without a request requests the limit.
  const limits = c.resources.limits ?? {};
  for (const [k, v] of Object.entries(limits)) {
    c.resources.requests ??= {};
    c.resources.requests[k] ??= v;
  }
}

/** Kubernetes' defaults for a pod spec (also applied to the templates of workload resources). */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= DEFAULT_GRACE_SECONDS;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(c);
}

/** Validates a pod spec's containers and restart policy, with field paths under `at`. */
export function validatePodSpec(spec: PodSpec | undefined, at: string): StatusCause[] {
  const causes = validateContainers(spec?.containers, `${at}.containers`, true);
  causes.push(...validateContainers(spec?.initContainers, `${at}.initContainers`, false));
  const rp = spec?.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp)) {
    causes.push(
      cause(
        'FieldValueNotSupported',
        `${at}.restartPolicy`,
        `Unsupported value: "${rp}": supported values: "Always", "OnFailure", "Never"`,
      ),
    );
  }
  return causes;
}

/** The QoS class Kubernetes assigns (the shared rule in @skiff/api, which the kubelet's cgroup tree uses too). */
export const qosClass = podQosClass;

function validateContainers(list: Container[] | undefined, field: string, required: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (list === undefined || list.length === 0) {
    if (required) causes.push(cause('FieldValueRequired', field, 'Required value'));
    return causes;
  }
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const at = `${field}[${i}]`;
    if (typeof c.name !== 'string' || c.name === '') causes.push(cause('FieldValueRequired', `${at}.name`, 'Required value'));
    else {
      for (const e of dns1123LabelErrors(c.name)) causes.push(cause('FieldValueInvalid', `${at}.name`, `Invalid value: "${c.name}": ${e}`));
      if (seen.has(c.name)) causes.push(cause('FieldValueDuplicate', `${at}.name`, `Duplicate value: "${c.name}"`));
      seen.add(c.name);
    }
    if (typeof c.image !== 'string' || c.image.trim() === '') causes.push(cause('FieldValueRequired', `${at}.image`, 'Required value'));
    for (const kind of ['requests', 'limits'] as const) {
      for (const [r, q] of Object.entries(c.resources?.[kind] ?? {})) {
        if (!isQuantity(q))
          causes.push(cause('FieldValueInvalid', `${at}.resources.${kind}[${r}]`, `Invalid value: "${String(q)}": must be a quantity`));
      }
    }
    if (c.command !== undefined && !Array.isArray(c.command))
      causes.push(cause('FieldValueInvalid', `${at}.command`, 'Invalid value: must be a list of strings'));
  });
  return causes;
}

/** A value with empty objects, empty lists and nulls dropped: Go's omitempty makes them equal to absent. */
function withoutEmpties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpties);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const nv = withoutEmpties(v);
    if (nv === null || nv === undefined) continue;
    if (Array.isArray(nv) && nv.length === 0) continue;
    if (typeof nv === 'object' && !Array.isArray(nv) && Object.keys(nv).length === 0) continue;
    out[k] = nv;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The pod spec with the fields an update may change blanked out, for comparing. */
function immutableView(pod: Pod): string {
  // withoutEmpties builds a fresh copy, so blanking the mutable fields on it is safe.
  const spec = (withoutEmpties(pod.spec ?? { containers: [] }) ?? {}) as Record<string, unknown>;
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) for (const c of list as Array<Record<string, unknown>>) delete c['image'];
  }
  delete spec['activeDeadlineSeconds'];
  delete spec['tolerations'];
  delete spec['terminationGracePeriodSeconds'];
  delete spec['schedulingGates'];
  return JSON.stringify(spec);
}

function podStatusReason(pod: Pod): string {
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  let initializing = false;
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const s = initStatuses[i];
    const t = s?.state?.terminated;
    const w = s?.state?.waiting;
    if (t !== undefined && t.exitCode === 0) continue;
    // A started sidecar (restartPolicy Always init container) does not hold initialization up.
    if (s?.started === true && isSidecarName(pod, s.name)) continue;
    initializing = true;
    if (t !== undefined) reason = `Init:${t.reason ?? (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`)}`;
    else if (w?.reason !== undefined && w.reason !== '' && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? 0}`;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    for (const s of [...(pod.status?.containerStatuses ?? [])].reverse()) {
      const w = s.state?.waiting;
      const t = s.state?.terminated;
      if (w?.reason !== undefined && w.reason !== '') reason = w.reason;
      else if (t?.reason !== undefined && t.reason !== '') reason = t.reason;
      else if (t !== undefined) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (s.ready && s.state?.running !== undefined) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp !== undefined) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function isSidecarName(pod: Pod, name: string): boolean {
  return pod.spec?.initContainers?.some((c) => c.name === name && c.restartPolicy === 'Always') ?? false;
}

function restartsCell(pod: Pod, now: number): string {
  let restarts = 0;
  let last: number | undefined;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    restarts += s.restartCount ?? 0;
    const finished = s.lastState?.terminated?.finishedAt;
    if (finished !== undefined) last = Math.max(last ?? 0, Date.parse(String(finished)));
  }
  return last !== undefined && restarts > 0 ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
}

const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready'),
    column('Status'),
    column('Restarts'),
    column('Age'),
    column('IP', 'string', 1),
    column('Node', 'string', 1),
    column('Nominated Node', 'string', 1),
    column('Readiness Gates', 'string', 1),
  ],
  row(object, now) {
    const pod = object as Pod;
    // Sidecars count in READY as kubectl counts them: in the total, and ready when started and ready.
    const sidecars = (pod.status?.initContainerStatuses ?? []).filter((s) => isSidecarName(pod, s.name));
    const total = (pod.spec?.containers.length ?? 0) + (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').length;
    const ready =
      (pod.status?.containerStatuses ?? []).filter((s) => s.ready).length + sidecars.filter((s) => s.started === true && s.ready).length;
    const gates = pod.spec?.readinessGates ?? [];
    return [
      pod.metadata?.name ?? '',
      `${ready}/${total}`,
      podStatusReason(pod),
      restartsCell(pod, now),
      age(object, now),
      pod.status?.podIP ?? '<none>',
      pod.spec?.nodeName ?? '<none>',
      pod.status?.nominatedNodeName ?? '<none>',
      gates.length === 0 ? '<none>' : `0/${gates.length}`,
    ];
  },
};

export const podStrategy: ResourceStrategy = {
  desc: PODS,
  fieldSelectors: [
    'spec.nodeName',
    'spec.schedulerName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
    'spec.serviceAccountName',
    'spec.restartPolicy',
  ],
  table: podPrinter,
  prepareForCreate(object) {
    const pod = object as Pod;
    pod.spec ??= { containers: [] };
    const spec = pod.spec;
    defaultPodSpec(spec);
    // spec.priority and spec.serviceAccountName come from admission (Priority, ServiceAccount).
    // DefaultTolerationSeconds admission: 300 s for each of these NoExecute taints the pod does not already tolerate
    // (a toleration of that key, or of every key, with effect NoExecute or any effect).
    spec.tolerations ??= [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      const covered = spec.tolerations.some(
        (t) => (t.key === key || (t.key ?? '') === '') && (t.effect === 'NoExecute' || (t.effect ?? '') === ''),
      );
      if (!covered) spec.tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
    pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
    pod.metadata ??= {};
    pod.metadata.uid ??= randomUUID();
  },
  prepareForUpdate: splitStatusUpdate,
  validate(object, previous) {
    const pod = object as Pod;
    const causes = validateObjectMeta(object, 'subdomain');
    causes.push(...validatePodSpec(pod.spec, 'spec'));
    if (previous !== undefined && immutableView(pod) !== immutableView(previous as Pod)) {
      causes.push(
        cause(
          'FieldValueForbidden',
          'spec',
          'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    return causes;
  },
  deletionGracePeriod(object, requested) {
    const pod = object as Pod;
    // Pods a kubelet never ran, or that have finished, go at once.
    if (pod.spec?.nodeName === undefined || isPodTerminal(pod)) return 0;
    const grace = requested ?? pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    return Math.max(0, grace);
  },
};
