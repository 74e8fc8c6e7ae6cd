/** Nodes: cluster-scoped, status settable on create (kubelets register with it), `kubectl get nodes` columns. */
import { randomUUID } from 'node:crypto';
import { NODES, type KubeObject, type Node } from '@skiff/api';
import { age, column, NAME_COLUMN, type TablePrinter } from '../http/table.js';
import { splitStatusUpdate, type ResourceStrategy } from './strategy.js';
import { validateObjectMeta } from './validation.js';

function nodeStatusCell(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function rolesCell(node: Node): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.push(v);
  }
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status'),
    column('Roles'),
    column('Age'),
    column('Version'),
    column('Internal-IP', 'string', 1),
    column('External-IP', 'string', 1),
    column('OS-Image', 'string', 1),
    column('Kernel-Version', 'string', 1),
    column('Container-Runtime', 'string', 1),
  ],
  row(object: KubeObject, now: number) {
    const node = object as Node;
    const info = node.status?.nodeInfo;
    return [
      node.metadata?.name ?? '',
      nodeStatusCell(node),
      rolesCell(node),
      age(object, now),
      info?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage ?? '<unknown>',
      info?.kernelVersion ?? '<unknown>',
      info?.containerRuntimeVersion ?? '<unknown>',
    ];
  },
};

export const nodeStrategy: ResourceStrategy = {
  desc: NODES,
  fieldSelectors: ['spec.unschedulable'],
  table: nodePrinter,
  prepareForCreate(object) {
    object.metadata ??= {};
    object.metadata.uid ??= randomUUID();
  },
  prepareForUpdate: splitStatusUpdate,
  validate(object) {
    return validateObjectMeta(object, 'subdomain');
  },
  deletionGracePeriod() {
    return 0;
  },
};
