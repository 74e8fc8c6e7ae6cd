/** The pod shape `skiff capacity` places: `cpu=500m,memory=1Gi[,ephemeral-storage=..][,pods=..]`. */
import { bytes, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, milliCpu, parseQuantity, type PodResourceRequests } from '@skiff/api';
import { UsageError } from '../flags.js';

/** One pod's requests, as a one-container pod asking for exactly these amounts. */
export interface PodShape {
  /** Requested cpu in millicores (0 when not given). */
  milliCpu: number;
  /** Requested memory in bytes (0 when not given). */
  memoryBytes: number;
  /** Requested ephemeral storage in bytes (0 when not given: not checked). */
  ephemeralStorageBytes: number;
  /** Pod slots (`status.allocatable.pods`) each pod takes: 1 unless given. */
  podSlots: number;
}

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage', 'pods'] as const;
type ShapeResource = (typeof RESOURCES)[number];

function isShapeResource(name: string): name is ShapeResource {
  return (RESOURCES as readonly string[]).includes(name);
}

/** Reads one quantity of the shape; a UsageError names the resource when it is not a quantity. */
function quantityOf(resource: ShapeResource, text: string): number {
  let value: number;
  try {
    value = resource === 'cpu' ? milliCpu(text) : resource === 'pods' ? parseQuantity(text) : bytes(text);
  } catch {
    throw new UsageError(`--shape: ${resource}=${text} is not a quantity (like 500m, 1Gi, 2)`);
  }
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--shape: ${resource}=${text} must not be negative`);
  if (resource === 'pods' && (!Number.isInteger(value) || value < 1))
    throw new UsageError(`--shape: pods=${text} must be a whole number ≥ 1`);
  return value;
}

/**
 * Parses `cpu=500m,memory=1Gi,...`. Throws a {@link UsageError} for an unknown resource, a
 * repeated one, a value that is not a quantity, or a shape that requests nothing.
 */
export function parseShape(text: string): PodShape {
  const shape: PodShape = { milliCpu: 0, memoryBytes: 0, ephemeralStorageBytes: 0, podSlots: 1 };
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq).trim();
    if (eq < 0) throw new UsageError(`--shape: "${part}" is not resource=quantity`);
    if (!isShapeResource(name)) throw new UsageError(`--shape: unknown resource "${name}" (known: ${RESOURCES.join(', ')})`);
    if (seen.has(name)) throw new UsageError(`--shape: ${name} is given twice`);
    seen.add(name);
    const value = quantityOf(name, part.slice(eq + 1).trim());
    if (name === 'cpu') shape.milliCpu = value;
    else if (name === 'memory') shape.memoryBytes = value;
    else if (name === 'ephemeral-storage') shape.ephemeralStorageBytes = value;
    else shape.podSlots = value;
  }
  if (seen.size === 0) throw new UsageError('--shape: give at least one resource, e.g. cpu=500m,memory=1Gi');
  return shape;
}

/**
 * The shape's requests as the scheduler core takes them: real requests for the filter, and
 * Kubernetes' scoring defaults (100m, 200Mi) for a resource the shape does not request.
 */
export function shapeRequests(shape: PodShape): PodResourceRequests {
  return {
    milliCpu: shape.milliCpu,
    memoryBytes: shape.memoryBytes,
    nonZeroMilliCpu: shape.milliCpu === 0 ? DEFAULT_MILLI_CPU_REQUEST : shape.milliCpu,
    nonZeroMemoryBytes: shape.memoryBytes === 0 ? DEFAULT_MEMORY_REQUEST : shape.memoryBytes,
  };
}

/** Parses `--node-selector k=v[,k2=v2]` (equality only, as `spec.nodeSelector`). */
export function parseNodeSelector(text: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    if (key === '') throw new UsageError(`--node-selector: "${part}" is not key=value`);
    selector[key] = part.slice(eq + 1).trim();
  }
  return selector;
}
