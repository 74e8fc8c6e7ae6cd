/** Namespaces: DNS-1123 label names, phase Active, `kubectl get ns` columns. */
import { randomUUID } from 'node:crypto';
import { NAMESPACES, type Namespace } from '@skiff/api';
import { age, column, NAME_COLUMN, type TablePrinter } from '../http/table.js';
import { splitStatusUpdate, type ResourceStrategy } from './strategy.js';
import { validateObjectMeta } from './validation.js';

const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Status'), column('Age')],
  row: (object, now) => [object.metadata?.name ?? '', (object as Namespace).status?.phase ?? '', age(object, now)],
};

export const namespaceStrategy: ResourceStrategy = {
  desc: NAMESPACES,
  fieldSelectors: ['status.phase'],
  table: namespacePrinter,
  prepareForCreate(object) {
    const ns = object as Namespace;
    ns.metadata ??= {};
    ns.metadata.uid ??= randomUUID();
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = { phase: 'Active' };
  },
  prepareForUpdate: splitStatusUpdate,
  validate(object) {
    return validateObjectMeta(object, 'label');
  },
  deletionGracePeriod() {
    return 0;
  },
  pendingFinalizers(object) {
    return ((object as Namespace).spec?.finalizers ?? []).length > 0;
  },
  prepareForDeletion(object) {
    (object as Namespace).status = { ...(object as Namespace).status, phase: 'Terminating' };
  },
};
