/** A strategy for resources without special rules, configured by options. */
import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceDescriptor, StatusCause } from '@skiff/api';
import { age, column, DEFAULT_PRINTER, NAME_COLUMN, type TablePrinter } from '../http/table.js';
import { cause, splitStatusUpdate, type AdmissionContext, type ResourceStrategy } from './strategy.js';
import { validateObjectMeta } from './validation.js';

export interface SimpleStrategyOptions {
  /** How names are checked: DNS label, DNS subdomain, or a path segment (RBAC names like `system:admin`). */
  nameRule?: 'label' | 'subdomain' | 'path-segment';
  printer?: TablePrinter;
  fieldSelectors?: readonly string[];
  /** Fills defaults on create (after metadata is set). */
  defaults?(object: KubeObject): void;
  /** Extra validation beyond metadata. */
  validate?(object: KubeObject, previous: KubeObject | undefined): StatusCause[];
  admit?: (object: KubeObject, ctx: AdmissionContext) => void;
}

function pathSegmentErrors(object: KubeObject): StatusCause[] {
  const name = object.metadata?.name ?? '';
  if (name === '') return [cause('FieldValueRequired', 'metadata.name', 'Required value: name or generateName is required')];
  if (name === '.' || name === '..') return [cause('FieldValueInvalid', 'metadata.name', `Invalid value: "${name}": may not be '${name}'`)];
  if (/[/%]/.test(name)) return [cause('FieldValueInvalid', 'metadata.name', `Invalid value: "${name}": may not contain '/' or '%'`)];
  return [];
}

export function simpleStrategy(desc: ResourceDescriptor, options: SimpleStrategyOptions = {}): ResourceStrategy {
  const hasStatus = desc.subresources.includes('status');
  const strategy: ResourceStrategy = {
    desc,
    fieldSelectors: options.fieldSelectors ?? [],
    table: options.printer ?? DEFAULT_PRINTER,
    prepareForCreate(object) {
      object.metadata ??= {};
      object.metadata.uid ??= randomUUID();
      options.defaults?.(object);
    },
    prepareForUpdate(next, previous, subresource) {
      if (hasStatus) splitStatusUpdate(next, previous, subresource);
    },
    validate(object, previous) {
      const rule = options.nameRule ?? 'subdomain';
      const causes = rule === 'path-segment' ? pathSegmentErrors(object) : validateObjectMeta(object, rule);
      if (rule === 'path-segment')
        causes.push(...validateObjectMeta({ ...object, metadata: { ...object.metadata, name: 'x' } }, 'subdomain'));
      causes.push(...(options.validate?.(object, previous) ?? []));
      return causes;
    },
    deletionGracePeriod() {
      return 0;
    },
  };
  const admit = options.admit;
  if (admit !== undefined) strategy.admit = (object, ctx) => admit(object, ctx);
  return strategy;
}

/** A printer of Name, the given columns, and Age. */
export function namedPrinter(
  columns: Array<{ name: string; priority?: number; cell(o: KubeObject): unknown }>,
  withAge = true,
): TablePrinter {
  const main = columns.filter((c) => (c.priority ?? 0) === 0);
  const wide = columns.filter((c) => (c.priority ?? 0) > 0);
  return {
    columns: [
      NAME_COLUMN,
      ...main.map((c) => column(c.name)),
      ...(withAge ? [column('Age')] : []),
      ...wide.map((c) => column(c.name, 'string', c.priority)),
    ],
    row: (o, now) => [
      o.metadata?.name ?? '',
      ...main.map((c) => c.cell(o)),
      ...(withAge ? [age(o, now)] : []),
      ...wide.map((c) => c.cell(o)),
    ],
  };
}
