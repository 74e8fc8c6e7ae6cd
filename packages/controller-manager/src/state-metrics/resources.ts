/**
 * Resource quantities the way kube-state-metrics reports them, so queries
 * written for KSM work unchanged:
 * - the `resource` label is the resource name with every character outside
 *   `[a-zA-Z0-9_]` replaced by `_` (`ephemeral-storage` → `ephemeral_storage`,
 *   `nvidia.com/gpu` → `nvidia_com_gpu`);
 * - the `unit` label is `core` for cpu; `byte` for memory, storage,
 *   ephemeral storage, hugepages and attachable volumes; `integer` for
 *   everything else (pods, extended resources);
 * - the value is in that unit: cpu in cores at millicore precision (`250m` →
 *   0.25), bytes and integers rounded up as Kubernetes' `Value()` does.
 * A quantity that does not parse yields no sample (the apiserver validates
 * quantities, so this only guards against a corrupt object).
 */
import { bytes, milliCpu, parseQuantity } from '@skiff/api';

/** KSM's unit label values. */
export type ResourceUnit = 'core' | 'byte' | 'integer';

/** One resource of a requests, limits, capacity or allocatable list. */
export interface ResourceSample {
  /** Sanitized resource name (the `resource` label). */
  resource: string;
  unit: ResourceUnit;
  /** The quantity in `unit`. */
  value: number;
}

const BYTE_RESOURCES = new Set(['memory', 'storage', 'ephemeral-storage']);

/** The unit kube-state-metrics reports a resource in. */
export function resourceUnit(name: string): ResourceUnit {
  if (name === 'cpu') return 'core';
  if (BYTE_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return 'byte';
  return 'integer';
}

/** A resource name as a KSM `resource` label value. */
export function sanitizeResourceName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** One quantity as a sample, or undefined when it does not parse. */
export function resourceSample(name: string, quantity: string | number): ResourceSample | undefined {
  const unit = resourceUnit(name);
  try {
    const value =
      unit === 'core' ? milliCpu(quantity) / 1000 : unit === 'byte' ? bytes(quantity) : Math.ceil(parseQuantity(quantity) - 1e-9);
    return { resource: sanitizeResourceName(name), unit, value };
  } catch {
    return undefined;
  }
}

/** Every parseable quantity of a resource list, in the list's order. */
export function resourceSamples(list: Readonly<Record<string, string | number>> | undefined): ResourceSample[] {
  const out: ResourceSample[] = [];
  for (const [name, quantity] of Object.entries(list ?? {})) {
    const sample = resourceSample(name, quantity);
    if (sample !== undefined) out.push(sample);
  }
  return out;
}
