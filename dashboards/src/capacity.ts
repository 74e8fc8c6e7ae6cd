/**
 * Capacity planning, from the controller-manager's state metrics
 * (kube-state-metrics names plus Skiff's headroom measures): requests and
 * limits against allocatable by node and namespace, commitment ratios, the
 * largest pod that still fits (headroom) and the free capacity no pod of the
 * reference shape can use (fragmentation).
 *
 * Requests and limits count the pods that hold resources: phase Pending or
 * Running (KSM reports every pod, finished ones included).
 */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { barGauge, build, labelVariable, skiffDashboard, stat, timeseries, type Step } from './grafana.js';
import { sel } from './promql.js';

const NODE = 'node=~"$node"';
const NAMESPACE = 'namespace=~"$namespace"';
/** One series per pod that is Pending or Running (whatever the number of scrape targets). */
const ACTIVE_PODS = 'max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"}) == 1';
const COMMITMENT_STEPS: Step[] = [
  [null, 'green'],
  [0.8, 'orange'],
  [0.95, 'red'],
];

type Resource = 'cpu' | 'memory';
const UNIT: Record<Resource, string> = { cpu: 'suffix: cores', memory: 'bytes' };
const NAME: Record<Resource, string> = { cpu: 'CPU', memory: 'Memory' };
/** The resource's name inside a sentence. */
const WORD: Record<Resource, string> = { cpu: 'CPU', memory: 'memory' };

/** Requests (or limits) of the active pods' containers, one series per container. */
function held(kind: 'requests' | 'limits', resource: Resource, ...matchers: string[]): string {
  return `kube_pod_container_resource_${kind}${sel(`resource="${resource}"`, ...matchers)} * on (namespace, pod) group_left () (${ACTIVE_PODS})`;
}

function allocatable(resource: Resource, ...matchers: string[]): string {
  return `kube_node_status_allocatable${sel(`resource="${resource}"`, ...matchers)}`;
}

function commitmentStat(kind: 'requests' | 'limits', resource: Resource): ReturnType<typeof stat> {
  return stat({
    title: `${NAME[resource]} ${kind} / allocatable`,
    description:
      kind === 'requests'
        ? `${NAME[resource]} requested by Pending and Running pods over the allocatable ${WORD[resource]} of every node: how much of the cluster is promised.`
        : `${NAME[resource]} limits of Pending and Running pods over the allocatable ${WORD[resource]}: above 100% the cluster is overcommitted if every pod uses its limit.`,
    unit: 'percentunit',
    decimals: 1,
    steps: COMMITMENT_STEPS,
    queries: [{ expr: `sum(${held(kind, resource)}) / sum(${allocatable(resource)})`, instant: true }],
  });
}

function byNode(resource: Resource): ReturnType<typeof timeseries> {
  return timeseries({
    title: `${NAME[resource]}: requested vs allocatable, by node`,
    description: `${NAME[resource]} requested by the pods bound to each node, and the node's allocatable ${WORD[resource]}.`,
    unit: UNIT[resource],
    min: 0,
    queries: [
      { expr: `sum by (node) (${held('requests', resource, NODE)})`, legend: '{{node}} requested' },
      { expr: `sum by (node) (${allocatable(resource, NODE)})`, legend: '{{node}} allocatable' },
    ],
  });
}

function nodeCommitment(resource: Resource): ReturnType<typeof barGauge> {
  return barGauge({
    title: `${NAME[resource]} commitment by node`,
    description: `Requested over allocatable ${WORD[resource]}, per node. A node near 100% takes no more pods asking for ${WORD[resource]}.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    steps: COMMITMENT_STEPS,
    queries: [
      {
        expr: `sum by (node) (${held('requests', resource, NODE)}) / sum by (node) (${allocatable(resource, NODE)})`,
        legend: '{{node}}',
      },
    ],
  });
}

function byNamespace(resource: Resource): ReturnType<typeof timeseries> {
  return timeseries({
    title: `${NAME[resource]} requested by namespace`,
    description: `${NAME[resource]} requested by the Pending and Running pods of each namespace, stacked.`,
    unit: UNIT[resource],
    stack: true,
    queries: [{ expr: `sum by (namespace) (${held('requests', resource, NAMESPACE)})`, legend: '{{namespace}}' }],
  });
}

function headroomStat(resource: Resource): ReturnType<typeof stat> {
  return stat({
    title: `Largest ${WORD[resource]} request that fits`,
    description: `The largest ${WORD[resource]} request a new pod could make and still be scheduled now, on the best node (skiff_node_largest_fitting_pod).`,
    unit: UNIT[resource],
    queries: [{ expr: `max(skiff_node_largest_fitting_pod${sel(`resource="${resource}"`, NODE)})`, instant: true }],
  });
}

function strandedStat(resource: Resource): ReturnType<typeof stat> {
  return stat({
    title: `Stranded ${WORD[resource]}`,
    description: `Free ${WORD[resource]} on nodes where a pod of the reference shape no longer fits (skiff_node_stranded_capacity): unallocated, yet unusable.`,
    unit: UNIT[resource],
    steps: [
      [null, 'green'],
      [resource === 'cpu' ? 0.5 : 512 * 2 ** 20, 'orange'],
    ],
    queries: [{ expr: `sum(skiff_node_stranded_capacity${sel(`resource="${resource}"`, NODE)})`, instant: true }],
  });
}

function perNodeMeasure(metric: string, title: string, description: string, resource: Resource): ReturnType<typeof timeseries> {
  return timeseries({
    title: `${title}: ${WORD[resource]}, by node`,
    description,
    unit: UNIT[resource],
    min: 0,
    queries: [{ expr: `max by (node) (${metric}${sel(`resource="${resource}"`, NODE)})`, legend: '{{node}}' }],
  });
}

function fragmentation(resource: Resource): ReturnType<typeof timeseries> {
  const free = `sum(${allocatable(resource)}) - (sum(${held('requests', resource, 'node!=""')}) or vector(0))`;
  return timeseries({
    title: `Fragmentation: stranded share of free ${WORD[resource]}`,
    description: `Stranded ${WORD[resource]} over all unrequested ${WORD[resource]} (allocatable minus the requests of bound Pending and Running pods). Rising: free capacity is scattered in pieces too small, or on nodes full on another resource.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [{ expr: `sum(skiff_node_stranded_capacity{resource="${resource}"}) / (${free})`, legend: 'stranded share' }],
  });
}

export function capacityDashboard(): Dashboard {
  const resources: Resource[] = ['cpu', 'memory'];
  const dashboard = skiffDashboard(
    'skiff-capacity',
    'Skiff / Capacity planning',
    'Requests and limits against allocatable by node and namespace, commitment, headroom and fragmentation (state metrics of the controller-manager).',
  )
    .withVariable(labelVariable('node', 'Node', 'kube_node_status_allocatable'))
    .withVariable(labelVariable('namespace', 'Namespace', 'kube_pod_status_phase'))
    .withRow(new RowBuilder('Cluster commitment'));
  for (const kind of ['requests', 'limits'] as const) for (const r of resources) dashboard.withPanel(commitmentStat(kind, r));
  for (const r of resources) dashboard.withPanel(headroomStat(r));
  for (const r of resources) dashboard.withPanel(strandedStat(r));
  dashboard.withRow(new RowBuilder('By node'));
  for (const r of resources) dashboard.withPanel(byNode(r));
  for (const r of resources) dashboard.withPanel(nodeCommitment(r));
  dashboard.withRow(new RowBuilder('By namespace'));
  for (const r of resources) dashboard.withPanel(byNamespace(r));
  dashboard
    .withPanel(
      barGauge({
        title: 'Share of allocatable CPU by namespace',
        description: "Each namespace's CPU requests over the whole cluster's allocatable CPU.",
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [
          {
            expr: `sum by (namespace) (${held('requests', 'cpu', NAMESPACE)}) / scalar(sum(${allocatable('cpu')}))`,
            legend: '{{namespace}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Pods by phase',
        description: 'Pods in each phase (kube_pod_status_phase), in the selected namespaces.',
        unit: 'short',
        stack: true,
        queries: [{ expr: `sum by (phase) (kube_pod_status_phase{${NAMESPACE}})`, legend: '{{phase}}' }],
      }),
    )
    .withRow(new RowBuilder('Headroom and fragmentation'));
  const largest = 'The largest request a new pod could make and still fit on the node now (0: cordoned or no free pod slot).';
  const stranded = 'Free capacity on the node that a pod of the reference shape cannot use (0 when such a pod fits).';
  for (const r of resources) dashboard.withPanel(perNodeMeasure('skiff_node_largest_fitting_pod', 'Largest fitting pod', largest, r));
  for (const r of resources) dashboard.withPanel(perNodeMeasure('skiff_node_stranded_capacity', 'Stranded capacity', stranded, r));
  for (const r of resources) dashboard.withPanel(fragmentation(r));
  return build(dashboard);
}
